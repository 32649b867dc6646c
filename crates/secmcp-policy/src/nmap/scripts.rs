//! NSE script selection: allowlisted names and gated categories only.
//!
//! Paths, wildcards, `+` forcing and boolean expressions are refused. Categories
//! are rendered inside an expression that always excludes `external` (contacts
//! third parties) and `broadcast` (probes the local network regardless of the
//! target), and, without `security.allow_intrusive`, the intrusive categories:
//! nmap's own `safe`, `discovery` and `default` sets include such scripts.

use std::fmt;

/// The most items in one `--script` list.
pub const MAX_SCRIPT_ITEMS: usize = 32;

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

const CATEGORIES: [(&str, Category); 11] = [
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

/// Excluded from every category selection.
/// `fcrdns` (safe, discovery) resolves the target's PTR names through the system
/// resolver; `ftp-bounce` (default, safe) resolves scanme.nmap.org: both reach
/// beyond the pinned target although their categories look harmless.
const ALWAYS_EXCLUDED: &str = "external or broadcast or fcrdns or ftp-bounce";
/// Also excluded without `allow_intrusive`.
const INTRUSIVE_EXCLUDED: &str = " or intrusive or dos or exploit or brute or fuzzer";

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
}

/// Why a `--script` list was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ScriptRefusal {
    /// An intrusive category without `security.allow_intrusive`.
    NeedsIntrusive(String),
    /// Anything else: paths, expressions, unknown names.
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

/// The validated `--script` selection of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ScriptSelection {
    names: Vec<String>,
    categories: Vec<Category>,
    allow_intrusive: bool,
}

impl ScriptSelection {
    /// Whether nothing is selected.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.categories.is_empty()
    }

    /// Adds a category (deduplicated).
    pub(crate) fn add_category(&mut self, c: Category) {
        if !self.categories.contains(&c) {
            self.categories.push(c);
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
            self.add_category(c);
            return Ok(());
        }
        if !allowlist.iter().any(|a| a == item) {
            return Err(ScriptRefusal::Invalid(format!(
                "the script '{item}' is not in the script allowlist ({})",
                allowlist.join(", ")
            )));
        }
        if !self.names.iter().any(|n| n == item) {
            self.names.push(item.to_string());
        }
        Ok(())
    }

    /// Records whether intrusive categories stay in category expansions.
    pub(crate) fn set_allow_intrusive(&mut self, allow: bool) {
        self.allow_intrusive = allow;
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
            item.escape_default()
        ));
    }
    Ok(())
}

impl fmt::Display for ScriptSelection {
    /// Names as given, then one category expression with the exclusions.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names.join(","))?;
        if self.categories.is_empty() {
            return Ok(());
        }
        if !self.names.is_empty() {
            f.write_str(",")?;
        }
        let cats: Vec<&str> = self.categories.iter().map(|c| c.as_str()).collect();
        let extra = if self.allow_intrusive {
            ""
        } else {
            INTRUSIVE_EXCLUDED
        };
        write!(
            f,
            "({}) and not ({ALWAYS_EXCLUDED}{extra})",
            cats.join(" or ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow() -> Vec<String> {
        ["banner", "http-title", "ssh2-enum-algos"]
            .map(String::from)
            .to_vec()
    }

    fn sel(list: &str, intrusive: bool) -> Result<String, String> {
        let mut s = ScriptSelection::default();
        s.set_allow_intrusive(intrusive);
        s.add_list(list, &allow(), intrusive)
            .map(|()| s.to_string())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn renders_names_and_filtered_categories() {
        assert_eq!(sel("banner", false).unwrap(), "banner");
        assert_eq!(
            sel("banner,http-title,banner", false).unwrap(),
            "banner,http-title"
        );
        assert_eq!(
            sel("safe,banner,discovery", false).unwrap(),
            "banner,(safe or discovery) and not (external or broadcast or fcrdns or ftp-bounce or intrusive or dos or exploit or brute or fuzzer)"
        );
        assert_eq!(
            sel("vuln", true).unwrap(),
            "(vuln) and not (external or broadcast or fcrdns or ftp-bounce)"
        );
    }

    #[test]
    fn gates_and_rejects() {
        for cat in [
            "vuln",
            "exploit",
            "intrusive",
            "brute",
            "dos",
            "fuzzer",
            "malware",
        ] {
            let e = sel(cat, false).unwrap_err();
            assert!(e.contains("security.allow_intrusive"), "{cat}: {e}");
            assert!(sel(cat, true).is_ok(), "{cat}");
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
        assert!(
            sel("smb-vuln-ms17-010", true)
                .unwrap_err()
                .contains("not in the script allowlist (banner, http-title")
        );
        assert!(sel("banner,", false).unwrap_err().contains("empty item"));
        assert!(
            sel(&vec!["banner"; 33].join(","), false)
                .unwrap_err()
                .contains("at most 32")
        );
    }
}
