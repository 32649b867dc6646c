//! Keeps a tool result's structuredContent within `storage.result_budget_bytes`:
//! the longest lists are cut (their first items kept: parsers list findings
//! first) until the JSON fits, and a note says what was cut and where the
//! whole result is (the run's resource). Cutting lists only keeps the value
//! valid against the tool's outputSchema. The same budget pages the stored
//! result ([`paging`], `secmcp://runs/{id}/page/{n}`): the largest list is
//! split into runs of consecutive items that fit beside the rest, so every
//! item is on exactly one page. Must not: touch anything but lists.

use serde_json::Value;

/// At most this many cuts per result.
const MAX_CUTS: usize = 64;

/// The value within `budget` bytes of JSON (when lists can make it fit), and a
/// note for the agent when anything was cut.
pub fn fit(mut value: Value, budget: usize, run_id: Option<&str>) -> (Value, Option<String>) {
    let size = json_len(&value);
    if size <= budget {
        return (value, None);
    }
    let pages = run_id.and_then(|_| paging(&value, budget));
    let mut cut: Vec<(String, usize, usize)> = Vec::new();
    for _ in 0..MAX_CUTS {
        if json_len(&value) <= budget {
            break;
        }
        let mut best: Option<(String, usize)> = None;
        longest_list(&value, String::new(), &mut best);
        let Some((path, _)) = best else { break };
        let Some(Value::Array(items)) = value.pointer_mut(&path) else {
            break;
        };
        let before = items.len();
        if before <= 1 {
            break;
        }
        items.truncate(before / 2);
        match cut.iter_mut().find(|c| c.0 == path) {
            Some(c) => c.2 = items.len(),
            None => cut.push((path, before, items.len())),
        }
    }
    let what: Vec<String> = cut
        .iter()
        .map(|(p, from, to)| format!("{} kept {to} of {from}", if p.is_empty() { "/" } else { p }))
        .collect();
    let whole = match (run_id, pages) {
        (Some(id), Some(p)) => format!(
            "read all of {} in {} pages that each fit the budget with resources/read secmcp://runs/{id}/page/1 (then /page/2 ...), or everything at once with secmcp://runs/{id}",
            p.list,
            p.bounds.len()
        ),
        (Some(id), None) => format!("read the whole result with resources/read secmcp://runs/{id}"),
        (None, _) => "the whole result was not stored; narrow the call (fewer ports or hosts) to see everything".into(),
    };
    let note = format!(
        "note: the structured result ({size} bytes of JSON) is larger than this server's budget ({budget} bytes); lists were cut to their first items ({}); {whole}",
        what.join(", ")
    );
    (value, Some(note))
}

/// How a result larger than the budget is read in pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    /// JSON pointer of the list that is split (the largest one).
    pub list: String,
    /// Each page's items of that list, `start..end`, in order and covering it.
    pub bounds: Vec<(usize, usize)>,
}

/// The pages of `value` under `budget`; `None` when it fits whole.
pub fn paging(value: &Value, budget: usize) -> Option<Paging> {
    if json_len(value) <= budget {
        return None;
    }
    let mut best = None;
    longest_list(value, String::new(), &mut best);
    let (list, _) = best?;
    let items = value.pointer(&list)?.as_array()?;
    let mut rest = value.clone();
    *rest.pointer_mut(&list)? = Value::Array(Vec::new());
    let room = budget.saturating_sub(json_len(&rest));
    let (mut bounds, mut start, mut used) = (Vec::new(), 0, 0);
    for (i, item) in items.iter().enumerate() {
        // The item and its separating comma.
        let n = json_len(item) + 1;
        if i > start && used + n > room {
            bounds.push((start, i));
            (start, used) = (i, 0);
        }
        used += n;
    }
    bounds.push((start, items.len()));
    Some(Paging { list, bounds })
}

/// Page `n` (from 1) of `value`: the value with the paged list cut to that
/// page's items, and the paging (`None` when the value fits whole: its one
/// page is all of it). `Err` names how many pages there are.
pub fn page(
    mut value: Value,
    budget: usize,
    n: usize,
) -> Result<(Value, Option<(Paging, usize)>), usize> {
    let Some(p) = paging(&value, budget) else {
        return if n == 1 { Ok((value, None)) } else { Err(1) };
    };
    let Some(&(start, end)) = n.checked_sub(1).and_then(|i| p.bounds.get(i)) else {
        return Err(p.bounds.len());
    };
    let total = match value.pointer_mut(&p.list) {
        Some(Value::Array(items)) => {
            let total = items.len();
            items.truncate(end);
            items.drain(..start);
            total
        }
        _ => return Err(p.bounds.len()),
    };
    Ok((value, Some((p, total))))
}

fn json_len(v: &Value) -> usize {
    serde_json::to_vec(v).map_or(usize::MAX, |b| b.len())
}

/// The JSON pointer of the list with the largest serialized size.
fn longest_list(v: &Value, path: String, best: &mut Option<(String, usize)>) {
    match v {
        Value::Array(items) => {
            if items.len() > 1 {
                let n = json_len(v);
                if best.as_ref().is_none_or(|b| n > b.1) {
                    *best = Some((path.clone(), n));
                }
            }
            for (i, item) in items.iter().enumerate() {
                longest_list(item, format!("{path}/{i}"), best);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let key = k.replace('~', "~0").replace('/', "~1");
                longest_list(item, format!("{path}/{key}"), best);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn small_results_pass_and_large_lists_are_cut_with_a_note() {
        let small = json!({"hosts": [1, 2]});
        assert_eq!(fit(small.clone(), 1024, Some("x")), (small, None));
        let ports: Vec<Value> = (0..2000)
            .map(|p| json!({"port": p, "state": "open"}))
            .collect();
        let big = json!({"summary": "s", "hosts": [{"address": "127.0.0.1", "ports": ports}]});
        let (v, note) = fit(big, 4096, Some("run-1"));
        assert!(json_len(&v) <= 4096);
        assert_eq!(v["summary"], "s");
        assert_eq!(v["hosts"][0]["ports"][0]["port"], 0, "the first items stay");
        let note = note.unwrap();
        assert!(
            note.contains("secmcp://runs/run-1") && note.contains("/hosts/0/ports kept"),
            "{note}"
        );
        assert!(note.contains("secmcp://runs/run-1/page/1"), "{note}");
    }

    #[test]
    fn pages_fit_the_budget_and_hold_every_item_once() {
        // Items of uneven size, as real hosts are.
        let hosts: Vec<Value> = (0..300)
            .map(|i| json!({"address": format!("10.0.{}.{}", i / 256, i % 256), "note": "x".repeat(i % 97)}))
            .collect();
        let whole = json!({"scanner": {"args": "nmap"}, "hosts": hosts});
        let budget = 4096;
        let p = paging(&whole, budget).unwrap();
        assert_eq!(p.list, "/hosts");
        let mut seen = Vec::new();
        for n in 1..=p.bounds.len() {
            let (v, paged) = page(whole.clone(), budget, n).unwrap();
            assert!(json_len(&v) <= budget, "page {n} is {} bytes", json_len(&v));
            assert_eq!(
                v["scanner"]["args"], "nmap",
                "the rest of the value is on every page"
            );
            assert_eq!(paged.unwrap().1, 300);
            seen.extend(
                v["hosts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| h["address"].clone()),
            );
        }
        let all: Vec<Value> = whole["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["address"].clone())
            .collect();
        assert_eq!(seen, all, "every item on exactly one page, in order");
        assert_eq!(page(whole.clone(), budget, 0).unwrap_err(), p.bounds.len());
        assert_eq!(
            page(whole, budget, p.bounds.len() + 1).unwrap_err(),
            p.bounds.len()
        );
        let small = json!({"hosts": [1]});
        assert_eq!(
            page(small.clone(), budget, 1).unwrap(),
            (small.clone(), None)
        );
        assert_eq!(page(small, budget, 2).unwrap_err(), 1);
    }
}
