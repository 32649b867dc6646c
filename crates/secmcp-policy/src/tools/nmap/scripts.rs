//! NSE script selection: names from the vetted catalog only.
//!
//! `--script` takes script names and the categories `default`, `safe`,
//! `discovery`, `version` (and, with `security.allow_intrusive`, the intrusive
//! ones). Every item is resolved here, against the vetted catalog
//! ([`super::nse`]) narrowed by the operator's `script_allowlist`, to plain
//! script names; nmap is only ever handed that list of names. nmap's own
//! category sets are not used: `safe` and `discovery` include scripts that
//! follow redirects to any host or resolve names through the system resolver,
//! and `vuln`/`malware` scripts. Paths, wildcards, `+` forcing and boolean
//! expressions are refused.

use std::collections::BTreeSet;
use std::fmt;

use super::nse::{self, cat};
use crate::grammar_util::{INPUT_CHARS, shown};

/// The most items in one `--script` list.
pub const MAX_SCRIPT_ITEMS: usize = 32;

/// The `script_allowlist` entry that stands for the whole vetted catalog.
pub const ALL_VETTED: &str = "vetted";

/// An NSE category that may be requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// `default` (also what `-sC` selects)
    Default,
    /// `safe`
    Safe,
    /// `discovery`
    Discovery,
    /// `version`
    Version,
    /// `vuln` (intrusive)
    Vuln,
    /// `exploit` (intrusive)
    Exploit,
    /// `intrusive` (intrusive)
    Intrusive,
    /// `brute` (intrusive)
    Brute,
    /// `dos` (intrusive)
    Dos,
    /// `fuzzer` (intrusive)
    Fuzzer,
    /// `malware` (intrusive)
    Malware,
}

pub(crate) const CATEGORIES: [(&str, Category); 11] = [
    ("default", Category::Default),
    ("safe", Category::Safe),
    ("discovery", Category::Discovery),
    ("version", Category::Version),
    ("vuln", Category::Vuln),
    ("exploit", Category::Exploit),
    ("intrusive", Category::Intrusive),
    ("brute", Category::Brute),
    ("dos", Category::Dos),
    ("fuzzer", Category::Fuzzer),
    ("malware", Category::Malware),
];

impl Category {
    /// The nmap spelling.
    pub fn as_str(self) -> &'static str {
        CATEGORIES
            .iter()
            .find(|(_, c)| *c == self)
            .map_or("", |(s, _)| s)
    }

    /// Whether selecting it needs `security.allow_intrusive`.
    pub fn is_intrusive(self) -> bool {
        !matches!(
            self,
            Category::Default | Category::Safe | Category::Discovery | Category::Version
        )
    }

    /// The catalog bit of a category vetted scripts can have (the vetted
    /// catalog holds no intrusive script, so those select nothing).
    fn bit(self) -> u8 {
        match self {
            Category::Default => cat::DEFAULT,
            Category::Safe => cat::SAFE,
            Category::Discovery => cat::DISCOVERY,
            Category::Version => cat::VERSION,
            _ => 0,
        }
    }
}

/// Checks an operator's `script_allowlist`: each entry is `vetted` (the whole
/// catalog) or the name of a vetted script. The error names the first other one.
pub fn check_allowlist(entries: &[String]) -> Result<(), String> {
    match entries
        .iter()
        .find(|e| e.as_str() != ALL_VETTED && nse::find(e).is_none())
    {
        None => Ok(()),
        Some(bad) => Err(format!(
            "'{}' is not in secmcp's vetted NSE catalog (scripts a lab run showed to contact nothing but the target); list vetted names, or `{ALL_VETTED}` for all of them",
            shown(bad, INPUT_CHARS)
        )),
    }
}

/// Whether the operator's allowlist admits the vetted script `name`.
fn allowed(allowlist: &[String], name: &str) -> bool {
    allowlist.iter().any(|a| a == ALL_VETTED || a == name)
}

/// Why a `--script` list was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ScriptRefusal {
    /// An intrusive category without `security.allow_intrusive`.
    NeedsIntrusive(String),
    /// Anything else: paths, expressions, unknown or unvetted names.
    Invalid(String),
}

impl ScriptRefusal {
    fn message(&self) -> &str {
        match self {
            ScriptRefusal::NeedsIntrusive(m) | ScriptRefusal::Invalid(m) => m,
        }
    }
}

impl fmt::Display for ScriptRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// The validated `--script` selection of a plan: vetted script names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ScriptSelection {
    names: BTreeSet<&'static str>,
}

impl ScriptSelection {
    /// Whether nothing is selected.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The selected script names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.names.iter().copied()
    }

    /// Adds every allowed vetted script of a category; refuses a category
    /// that selects none.
    pub(crate) fn add_category(
        &mut self,
        c: Category,
        allowlist: &[String],
    ) -> Result<(), ScriptRefusal> {
        let mut matched = false;
        for v in nse::CATALOG {
            if v.categories & c.bit() != 0 && allowed(allowlist, v.name) {
                matched = true;
                self.names.insert(v.name);
            }
        }
        if matched {
            Ok(())
        } else {
            Err(ScriptRefusal::Invalid(format!(
                "no script of the category '{}' is in this server's vetted allowlist",
                c.as_str()
            )))
        }
    }

    /// Adds each item of a `--script` list after checking it.
    pub(crate) fn add_list(
        &mut self,
        list: &str,
        allowlist: &[String],
        allow_intrusive: bool,
    ) -> Result<(), ScriptRefusal> {
        let items: Vec<&str> = list.split(',').collect();
        if items.len() > MAX_SCRIPT_ITEMS {
            return Err(ScriptRefusal::Invalid(format!(
                "--script lists at most {MAX_SCRIPT_ITEMS} items"
            )));
        }
        for item in items {
            self.add_item(item, allowlist, allow_intrusive)?;
        }
        Ok(())
    }

    fn add_item(
        &mut self,
        item: &str,
        allowlist: &[String],
        allow_intrusive: bool,
    ) -> Result<(), ScriptRefusal> {
        if let Some(v) = nse::find(item) {
            if !allowed(allowlist, v.name) {
                return Err(ScriptRefusal::Invalid(format!(
                    "the script '{item}' is not in this server's script allowlist (tools.nmap.script_allowlist)"
                )));
            }
            self.names.insert(v.name);
            return Ok(());
        }
        check_plain(item).map_err(ScriptRefusal::Invalid)?;
        if item == "external" || item == "all" {
            return Err(ScriptRefusal::Invalid(format!(
                "the script category '{item}' is never accepted: it runs scripts that contact third-party hosts"
            )));
        }
        if let Some(&(_, c)) = CATEGORIES.iter().find(|(s, _)| *s == item) {
            if c.is_intrusive() && !allow_intrusive {
                return Err(ScriptRefusal::NeedsIntrusive(format!(
                    "the script category '{item}' is intrusive and needs security.allow_intrusive"
                )));
            }
            return self.add_category(c, allowlist);
        }
        Err(ScriptRefusal::Invalid(format!(
            "the script '{item}' is not in secmcp's vetted NSE catalog (scripts shown to contact nothing but the target)"
        )))
    }
}

fn check_plain(item: &str) -> Result<(), String> {
    if item.is_empty() {
        return Err("the --script list has an empty item".into());
    }
    let plain = item
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !plain || matches!(item, "and" | "or" | "not") {
        return Err(format!(
            "'{}' is not a plain script name or category: script paths ('/', '.nse'), wildcards ('*'), '+' and and/or/not expressions are not accepted",
            shown(item, INPUT_CHARS)
        ));
    }
    Ok(())
}

impl fmt::Display for ScriptSelection {
    /// The names, comma-separated: what `--script` is given.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.names.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(n)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vetted() -> Vec<String> {
        vec![ALL_VETTED.to_owned()]
    }

    fn sel_with(list: &str, intrusive: bool, allow: &[String]) -> Result<String, String> {
        let mut s = ScriptSelection::default();
        s.add_list(list, allow, intrusive)
            .map(|()| s.to_string())
            .map_err(|e| e.to_string())
    }

    fn sel(list: &str, intrusive: bool) -> Result<String, String> {
        sel_with(list, intrusive, &vetted())
    }

    #[test]
    fn names_render_as_a_sorted_list() {
        assert_eq!(sel("banner", false).unwrap(), "banner");
        assert_eq!(
            sel("http-title,banner,http-title", false).unwrap(),
            "banner,http-title"
        );
        assert_eq!(sel("http-robots.txt", false).unwrap(), "http-robots.txt");
    }

    /// Categories become the vetted names in them: nmap never sees a
    /// category, so its own (leaky, vuln-bearing) sets never run.
    #[test]
    fn categories_expand_to_vetted_names_only() {
        for c in ["default", "safe", "discovery", "version"] {
            let names = sel(c, false).unwrap();
            assert!(!names.is_empty(), "{c}");
            for n in names.split(',') {
                assert!(nse::find(n).is_some(), "{c}: {n}");
            }
            for leaky in [
                "http-useragent-tester",
                "http-mobileversion-checker",
                "http-security-headers",
                "ssl-heartbleed",
                "http-slowloris-check",
                "smb-vuln-ms17-010",
                "fcrdns",
                "ftp-bounce",
            ] {
                assert!(!names.split(',').any(|n| n == leaky), "{c} has {leaky}");
            }
            assert!(!names.contains(['(', ' ']), "{c}: {names}");
        }
        assert!(sel("default", false).unwrap().contains("http-title"));
        // The operator's allowlist narrows the expansion.
        let narrow = vec!["http-title".to_owned(), "banner".to_owned()];
        assert_eq!(sel_with("default", false, &narrow).unwrap(), "http-title");
        assert_eq!(
            sel_with("safe,discovery", false, &narrow).unwrap(),
            "banner,http-title"
        );
        let e = sel_with("version", false, &narrow).unwrap_err();
        assert!(e.contains("no script of the category 'version'"), "{e}");
        let e = sel_with("ssl-cert", false, &narrow).unwrap_err();
        assert!(e.contains("not in this server's script allowlist"), "{e}");
    }

    #[test]
    fn gates_and_rejects() {
        for c in [
            "vuln",
            "exploit",
            "intrusive",
            "brute",
            "dos",
            "fuzzer",
            "malware",
        ] {
            let e = sel(c, false).unwrap_err();
            assert!(e.contains("security.allow_intrusive"), "{c}: {e}");
            // No intrusive script is vetted: allowed, they still select nothing.
            let e = sel(c, true).unwrap_err();
            assert!(e.contains("no script of the category"), "{c}: {e}");
        }
        for item in ["external", "all"] {
            assert!(
                sel(item, true).unwrap_err().contains("never accepted"),
                "{item}"
            );
        }
        for item in [
            "/tmp/x.nse",
            "x.nse",
            "../x",
            "http-*",
            "+banner",
            "default and safe",
            "not intrusive",
            "(safe)",
            "and",
            "or",
            "not",
            "Banner",
            "banner;id",
            "banner\\x",
            "ssl-cert.",
        ] {
            let e = sel(item, true).unwrap_err();
            assert!(e.contains("not a plain script name"), "{item}: {e}");
        }
        for unvetted in [
            "smb-vuln-ms17-010",
            "http-useragent-tester",
            "dns-service-discovery",
        ] {
            let e = sel(unvetted, true).unwrap_err();
            assert!(
                e.contains("not in secmcp's vetted NSE catalog"),
                "{unvetted}: {e}"
            );
        }
        assert!(sel("banner,", false).unwrap_err().contains("empty item"));
        assert!(
            sel(&vec!["banner"; 33].join(","), false)
                .unwrap_err()
                .contains("at most 32")
        );
    }

    #[test]
    fn allowlists_name_vetted_scripts_only() {
        assert!(check_allowlist(&vetted()).is_ok());
        assert!(check_allowlist(&["banner".into(), "ssl-cert".into()]).is_ok());
        let e = check_allowlist(&["banner".into(), "http-useragent-tester".into()]).unwrap_err();
        assert!(
            e.contains("'http-useragent-tester' is not in secmcp's vetted NSE catalog"),
            "{e}"
        );
    }
}
