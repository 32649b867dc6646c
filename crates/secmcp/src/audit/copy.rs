//! The audit files against the run store's copy of the records
//! (`secmcp audit verify --store`).
//!
//! The hash chain shows an edited, removed or moved record, but not records
//! cut from the end; the store's copy, written apart from the file, does.
//! Several servers may share one store, each with its own chain, so the
//! copy is never read by `seq` alone. Every record names its chain (`chain`,
//! a random id the chain keeps across restarts and rotation): copies of
//! other chains are left out. Within the chain, a copied record is this
//! file's when its hash is one of the file's; it was cut from the end when
//! it comes after the file's last record (by number, or by its `prev`
//! linking to that record or one after it); and it contradicts the file
//! when its `prev` is one of the file's records but the record itself is
//! not (the file was rewritten from there). Records written before records
//! named their chain are read by their links alone.
//!
//! Pure: the caller reads the file and pages the store.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::chain::GENESIS;

/// One record's place in its chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// Its `seq`.
    pub seq: u64,
    /// The hash of the record before it.
    pub prev: String,
    /// Its own hash.
    pub hash: String,
    /// The id of its chain, when it names one.
    pub chain: Option<String>,
}

impl Links {
    /// The links of a sealed line, or `None` when it is not a record.
    pub fn of(line: &str) -> Option<Self> {
        let v: Map<String, Value> = serde_json::from_str(line).ok()?;
        Some(Self {
            seq: v.get("seq")?.as_u64()?,
            prev: v.get("prev")?.as_str()?.to_owned(),
            hash: v.get("hash")?.as_str()?.to_owned(),
            chain: v.get("chain").and_then(Value::as_str).map(str::to_owned),
        })
    }
}

/// What the verified files hold.
#[derive(Debug, Default)]
pub struct FileChain {
    hashes: HashSet<String>,
    last: Option<Links>,
}

impl FileChain {
    /// Whether the files hold no record.
    pub fn is_empty(&self) -> bool {
        self.last.is_none()
    }

    /// Adds the next record of the files (in order).
    pub fn push(&mut self, links: Links) {
        self.hashes.insert(links.hash.clone());
        self.last = Some(links);
    }
}

/// Reads the store's copy, in `seq` order, against `file`.
#[derive(Debug)]
pub struct Comparison<'a> {
    file: &'a FileChain,
    matched: u64,
    /// Hashes of the copied records that follow the file's last one.
    tail: HashSet<String>,
    cut: Vec<u64>,
    /// The first copied record that contradicts the file.
    fork: Option<Links>,
    /// Copies of this chain numbered within the file's range.
    in_range: u64,
    /// Copies of other chains, left out.
    others: u64,
}

impl<'a> Comparison<'a> {
    /// A comparison against `file`.
    pub fn new(file: &'a FileChain) -> Self {
        let tail = file.last.iter().map(|l| l.hash.clone()).collect();
        Self {
            file,
            matched: 0,
            tail,
            cut: Vec::new(),
            fork: None,
            in_range: 0,
            others: 0,
        }
    }

    /// Takes the next copied record (records come in `seq` order).
    pub fn see(&mut self, copy: Links) {
        let Some(last) = &self.file.last else {
            return;
        };
        let same_chain = match (&last.chain, &copy.chain) {
            (Some(mine), Some(theirs)) if mine != theirs => {
                self.others += 1;
                return;
            }
            (Some(_), Some(_)) => true,
            _ => false,
        };
        if same_chain && copy.seq <= last.seq {
            self.in_range += 1;
        }
        if self.file.hashes.contains(&copy.hash) {
            self.matched += 1;
        } else if self.tail.contains(&copy.prev) || (same_chain && copy.seq > last.seq) {
            self.cut.push(copy.seq);
            self.tail.insert(copy.hash);
        } else if copy.prev != GENESIS
            && self.file.hashes.contains(&copy.prev)
            && self.fork.is_none()
        {
            self.fork = Some(copy);
        }
    }

    /// The verdict: a note when the copy agrees, else what is wrong.
    pub fn verdict(self) -> Result<String, String> {
        let Some(last) = &self.file.last else {
            return Ok(
                "the files hold no record; nothing to compare with the run store's copy".into(),
            );
        };
        if let Some(f) = &self.fork {
            return Err(format!(
                "the files and the run store's copy differ at record {}: the store's record {} (hash {}) follows the files' record {}, which the files follow with another (rewritten from there)",
                f.seq,
                f.seq,
                f.hash,
                f.seq - 1
            ));
        }
        if let (Some(first), Some(end)) = (self.cut.first(), self.cut.last()) {
            return Err(format!(
                "the run store's copy goes on after record {}, the files' last: records {first}..={end} ({} of them) were cut from the end of the files",
                last.seq,
                self.cut.len()
            ));
        }
        if self.matched == 0 && self.in_range > 0 {
            return Err(format!(
                "the run store's copy holds {} records of this chain numbered {} or below, and none is the files': the files were rewritten",
                self.in_range, last.seq
            ));
        }
        let others = if self.others == 0 {
            String::new()
        } else {
            format!(
                " ({} records of other servers' chains left out)",
                self.others
            )
        };
        Ok(if self.matched == 0 {
            format!(
                "the run store holds no copy of these records (copies are kept in the background, and only since the store was in use); nothing after record {} either{others}",
                last.seq
            )
        } else {
            format!(
                "the run store's copy agrees: {} of the files' records are in it, and nothing after record {}{others}",
                self.matched, last.seq
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::chain::{self, Head, seal};
    use super::*;
    use serde_json::json;

    /// Records `ns` sealed after `head`, each made by `fields(n)`.
    fn sealed(
        head: &mut Head,
        ns: std::ops::Range<u64>,
        fields: impl Fn(u64) -> Value,
    ) -> Vec<String> {
        ns.map(|n| {
            let Value::Object(m) = fields(n) else {
                unreachable!()
            };
            seal(head, m)
        })
        .collect()
    }

    /// A chain of `n` records with the chain id `tag`.
    fn chain(tag: &str, n: u64) -> Vec<String> {
        sealed(
            &mut Head::default(),
            0..n,
            |i| json!({"event": "call_decided", "chain": tag, "n": i}),
        )
    }

    /// Records `ns` of chain `a` with other contents, sealed after `head`.
    fn forged(head: &mut Head, ns: std::ops::Range<u64>) -> Vec<String> {
        sealed(
            head,
            ns,
            |i| json!({"event": "call_decided", "chain": "a", "forged": true, "n": i}),
        )
    }

    fn links(lines: &[String]) -> Vec<Links> {
        lines.iter().map(|l| Links::of(l).unwrap()).collect()
    }

    fn file(lines: &[String]) -> FileChain {
        let mut f = FileChain::default();
        for l in links(lines) {
            f.push(l);
        }
        f
    }

    /// The store's copy of several chains, in `seq` order.
    fn compare(f: &FileChain, chains: &[&[String]]) -> Result<String, String> {
        let mut copies: Vec<Links> = chains.iter().flat_map(|c| links(c)).collect();
        copies.sort_by_key(|l| l.seq);
        let mut c = Comparison::new(f);
        for l in copies {
            c.see(l);
        }
        c.verdict()
    }

    #[test]
    fn another_servers_chain_in_the_same_store_is_left_out() {
        let ours = chain("a", 5);
        let theirs = chain("b", 9);
        let note = compare(&file(&ours), &[&ours, &theirs]).unwrap();
        assert!(note.contains("agrees: 5 of the files' records"), "{note}");
    }

    #[test]
    fn records_cut_from_the_end_are_found_among_other_chains() {
        let ours = chain("a", 6);
        let theirs = chain("b", 9);
        let e = compare(&file(&ours[..4]), &[&ours, &theirs]).unwrap_err();
        assert!(e.contains("records 5..=6 (2 of them) were cut"), "{e}");
    }

    #[test]
    fn a_file_rewritten_from_a_record_on_differs_there() {
        let ours = chain("a", 6);
        // The same first three records, then other contents, resealed.
        let mut head = chain::head_after(&ours[2]).unwrap();
        let mut rewritten: Vec<String> = ours[..3].to_vec();
        rewritten.extend(forged(&mut head, 3..6));
        let theirs = chain("b", 9);
        let e = compare(&file(&rewritten), &[&ours, &theirs]).unwrap_err();
        assert!(e.contains("differ at record 4"), "{e}");
    }

    #[test]
    fn a_file_rewritten_whole_is_refused() {
        let ours = chain("a", 4);
        // The same chain id (it is in the file), every record resealed.
        let forged = forged(&mut Head::default(), 0..4);
        let e = compare(&file(&forged), &[&ours]).unwrap_err();
        assert!(e.contains("none is the files'"), "{e}");
    }

    #[test]
    fn a_file_without_copies_beside_another_chain_is_a_note() {
        let ours = chain("a", 3);
        let theirs = chain("b", 5);
        let note = compare(&file(&ours), &[&theirs]).unwrap();
        assert!(
            note.contains("holds no copy") && note.contains("5 records of other servers' chains"),
            "{note}"
        );
    }

    #[test]
    fn copies_of_this_chain_after_a_gap_are_still_cut() {
        let ours = chain("a", 7);
        // The copy of record 5 was never kept; 6 and 7 were.
        let copy: Vec<String> = ours
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 4)
            .map(|(_, l)| l.clone())
            .collect();
        let e = compare(&file(&ours[..4]), &[&copy]).unwrap_err();
        assert!(e.contains("records 6..=7 (2 of them) were cut"), "{e}");
    }

    #[test]
    fn records_without_a_chain_id_are_read_by_their_links() {
        let legacy = sealed(
            &mut Head::default(),
            0..4,
            |i| json!({"event": "call_decided", "n": i}),
        );
        assert!(
            compare(&file(&legacy), &[&legacy])
                .unwrap()
                .contains("agrees: 4")
        );
        let e = compare(&file(&legacy[..2]), &[&legacy]).unwrap_err();
        assert!(e.contains("records 3..=4"), "{e}");
    }

    #[test]
    fn a_store_without_copies_or_a_file_without_records_is_a_note() {
        let ours = chain("a", 3);
        let note = compare(&file(&ours), &[]).unwrap();
        assert!(note.contains("holds no copy"), "{note}");
        let note = compare(&FileChain::default(), &[&ours]).unwrap();
        assert!(note.contains("no record"), "{note}");
    }
}
