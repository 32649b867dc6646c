//! The built-in lists compiled into the binary: web paths, virtual hosts,
//! subdomains, user names and passwords (`crates/secmcp-policy/lists/`,
//! written for secmcp, Apache-2.0 like the project). They make gobuster and
//! hydra usable on a machine with no wordlist installed.
//!
//! A caller names one by its name (`web-paths`) wherever a list is asked for,
//! unless an operator alias of the same name exists (the alias wins). A
//! built-in never becomes a `FileRequest`: the renderer hands it to the tool
//! as a [`WorkFile`] written into the run's private working directory, and
//! argv names that relative file ([`BuiltinList::file`]).
//!
//! Must not: read files at run time (the lists are `include_str!`ed), or
//! decide which name wins over an alias (`files.rs` does).

use std::fmt;

use crate::call::{FileKind, WorkFile};

/// The built-in list of web paths and files (gobuster `dir`).
pub const WEB_PATHS: &str = "web-paths";
/// The built-in list of virtual host names (gobuster `vhost`).
pub const VHOSTS: &str = "vhosts";
/// The built-in list of subdomain labels (gobuster `dns`).
pub const SUBDOMAINS: &str = "subdomains";
/// The built-in list of user names (hydra).
pub const USERNAMES: &str = "usernames";
/// The built-in list of weak passwords (hydra).
pub const PASSWORDS: &str = "passwords";

/// One list compiled into the binary.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct BuiltinList {
    /// The name a caller gives (`web-paths`).
    pub name: &'static str,
    /// The kind of file it is meant for (its hints and the tool descriptions
    /// name it there; any list field accepts it).
    pub kind: FileKind,
    /// One line on what it holds.
    pub description: &'static str,
    /// The file name it gets in the run's working directory.
    pub file: &'static str,
    /// Its entries, one a line, no header.
    pub contents: &'static str,
}

impl BuiltinList {
    /// How many entries (lines) it holds.
    pub const fn entries(&self) -> usize {
        count_lines(self.contents)
    }

    /// The work file that hands it to the tool.
    pub fn work_file(&self) -> WorkFile {
        WorkFile {
            name: self.file.to_owned(),
            contents: self.contents.as_bytes().to_vec(),
        }
    }
}

impl fmt::Debug for BuiltinList {
    // The contents are thousands of lines: only the name is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BuiltinList({})", self.name)
    }
}

/// Every built-in list.
pub const BUILTIN: &[BuiltinList] = &[
    BuiltinList {
        name: WEB_PATHS,
        kind: FileKind::Wordlist,
        description: "common web paths and files: admin and login pages, APIs, CMS paths, backups, config and VCS leaks",
        file: "builtin-web-paths.txt",
        contents: include_str!("../lists/web-paths.txt"),
    },
    BuiltinList {
        name: VHOSTS,
        kind: FileKind::Wordlist,
        description: "virtual host labels: environments, admin and internal apps",
        file: "builtin-vhosts.txt",
        contents: include_str!("../lists/vhosts.txt"),
    },
    BuiltinList {
        name: SUBDOMAINS,
        kind: FileKind::Wordlist,
        description: "subdomain labels: mail, VPN, infrastructure, environments, regions",
        file: "builtin-subdomains.txt",
        contents: include_str!("../lists/subdomains.txt"),
    },
    BuiltinList {
        name: USERNAMES,
        kind: FileKind::UserList,
        description: "user names: administrative, service and default accounts, common first names",
        file: "builtin-usernames.txt",
        contents: include_str!("../lists/usernames.txt"),
    },
    BuiltinList {
        name: PASSWORDS,
        kind: FileKind::PasswordList,
        description: "weak passwords of default-credential and weak-password audits, most common first",
        file: "builtin-passwords.txt",
        contents: include_str!("../lists/passwords.txt"),
    },
];

/// The built-in list called `name`, if there is one.
pub fn builtin(name: &str) -> Option<&'static BuiltinList> {
    BUILTIN.iter().find(|l| l.name == name)
}

/// The names of the built-in lists meant for `kind`, for hints and docs.
pub fn names_for(kind: FileKind) -> Vec<&'static str> {
    BUILTIN
        .iter()
        .filter(|l| l.kind == kind)
        .map(|l| l.name)
        .collect()
}

const fn count_lines(s: &str) -> usize {
    let b = s.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\n' {
            n += 1;
        }
        i += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// gobuster and hydra read every line: no header, no blank or padded
    /// line, no duplicate, a final newline, plain printable ASCII.
    #[test]
    fn lists_are_clean_and_sized() {
        for l in BUILTIN {
            let c = l.contents;
            assert!(c.ends_with('\n') && !c.contains('\r'), "{}", l.name);
            let lines: Vec<&str> = c.lines().collect();
            assert_eq!(lines.len(), l.entries(), "{}", l.name);
            let mut seen = std::collections::HashSet::new();
            for line in &lines {
                assert!(
                    !line.is_empty() && line.bytes().all(|b| b.is_ascii_graphic()),
                    "{}: {line:?}",
                    l.name
                );
                assert!(seen.insert(*line), "{}: {line} twice", l.name);
            }
            let (min, max) = match l.name {
                WEB_PATHS => (800, 1600),
                SUBDOMAINS => (300, 600),
                VHOSTS => (150, 300),
                USERNAMES => (100, 200),
                PASSWORDS => (300, 600),
                other => panic!("no size for {other}"),
            };
            assert!(
                (min..=max).contains(&lines.len()),
                "{}: {}",
                l.name,
                lines.len()
            );
            assert_eq!(l.file, format!("builtin-{}.txt", l.name));
        }
    }

    /// `lists/README.md` states each list's entry count.
    #[test]
    fn readme_counts_match() {
        let readme = include_str!("../lists/README.md");
        for l in BUILTIN {
            let row = format!("| `{}` | {} |", l.name, l.entries());
            assert!(readme.contains(&row), "lists/README.md lacks {row}");
        }
    }

    /// Paths are relative (gobuster joins them to the URL) and never end in
    /// `/` (gobuster's -f adds one).
    #[test]
    fn web_paths_are_relative() {
        for line in builtin(WEB_PATHS).unwrap().contents.lines() {
            assert!(!line.starts_with('/') && !line.ends_with('/'), "{line}");
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(builtin("passwords").unwrap().kind, FileKind::PasswordList);
        assert!(builtin("common").is_none());
        assert_eq!(
            names_for(FileKind::Wordlist),
            ["web-paths", "vhosts", "subdomains"]
        );
        assert!(names_for(FileKind::ComboList).is_empty());
        let wf = builtin("usernames").unwrap().work_file();
        assert_eq!(wf.name, "builtin-usernames.txt");
        assert!(wf.contents.starts_with(b"admin\nroot\n"));
        assert_eq!(format!("{:?}", BUILTIN[0]), "BuiltinList(web-paths)");
    }

    /// The lab's hidden paths and weak credential (tests/lab/webapp.py) are in
    /// the lists, so the e2e tests can find them with the built-ins alone.
    #[test]
    fn lab_fixtures_are_covered() {
        let has =
            |list: &str, word: &str| builtin(list).unwrap().contents.lines().any(|l| l == word);
        for p in ["admin", "backup", "secret.txt", "login", "protected"] {
            assert!(has(WEB_PATHS, p), "{p}");
        }
        for v in ["dev", "staging"] {
            assert!(has(VHOSTS, v), "{v}");
        }
        for d in ["intranet", "mail", "vpn"] {
            assert!(has(SUBDOMAINS, d), "{d}");
        }
        assert!(has(USERNAMES, "admin") && has(PASSWORDS, "sunshine"));
    }
}
