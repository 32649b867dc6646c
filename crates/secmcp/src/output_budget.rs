//! Keeps a tool result's structuredContent within `storage.result_budget_bytes`:
//! the longest lists are cut (their first items kept: parsers list findings
//! first) until the JSON fits, and a note says what was cut and where the
//! whole result is (the run's resource). Cutting lists only keeps the value
//! valid against the tool's outputSchema. Must not: touch anything but lists.

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
    let whole = match run_id {
        Some(id) => format!("read the whole result with resources/read secmcp://runs/{id}"),
        None => "the whole result was not stored; narrow the call (fewer ports or hosts) to see everything".into(),
    };
    let note = format!(
        "note: the structured result ({size} bytes of JSON) is larger than this server's budget ({budget} bytes); lists were cut to their first items ({}); {whole}",
        what.join(", ")
    );
    (value, Some(note))
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
    }
}
