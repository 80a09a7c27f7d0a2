//! History retention (`publish --keep-history N`): which releases to prune. Pure; `zk` deletes.

use std::collections::BTreeSet;

use crate::model::{Ledger, ReleaseSpec};
use crate::policy;

/// Default of `--keep-history`.
pub const DEFAULT_KEEP_HISTORY: usize = 100;

/// Release ids of `history` to prune so that the newest `keep` remain — but never the current
/// release, its previous one (an automatic rollback's target), the release it rolled back, or
/// the release a `rollback` would go back to now. Oldest first.
pub fn to_prune(
    history: &[(ReleaseSpec, Option<Ledger>)],
    current: Option<&ReleaseSpec>,
    keep: usize,
) -> Vec<u64> {
    let mut ids: Vec<u64> = history.iter().map(|(s, _)| s.release).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() <= keep {
        return vec![];
    }
    let mut kept: BTreeSet<u64> = ids[ids.len() - keep..].iter().copied().collect();
    if let Some(cur) = current {
        kept.insert(cur.release);
        kept.extend(cur.previous);
        kept.extend(cur.rollback_of);
        if let Ok(target) = policy::rollback_target(history, cur, None) {
            kept.insert(target.release);
        }
    }
    ids.into_iter().filter(|id| !kept.contains(id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(id: u64, version: &str, previous: Option<u64>) -> (ReleaseSpec, Option<Ledger>) {
        let mut s = ReleaseSpec::new("web", version);
        s.release = id;
        s.previous = previous;
        (s, Some(Ledger::new(id)))
    }

    #[test]
    fn keeps_the_newest_and_what_rollbacks_need() {
        // 1.0, then 2.0 published again and again: a rollback goes back to release 1.
        let mut h = vec![release(1, "1.0", None)];
        for id in 2..=6 {
            h.push(release(id, "2.0", Some(id - 1)));
        }
        let cur = h[5].0.clone();
        assert_eq!(to_prune(&h, Some(&cur), 1), vec![2, 3, 4]);
        assert_eq!(to_prune(&h, Some(&cur), 3), vec![2, 3]);
        assert_eq!(to_prune(&h, Some(&cur), 10), Vec::<u64>::new());
        // Distinct versions: exactly the newest N stay.
        let h: Vec<_> = (1..=8)
            .map(|id| release(id, &format!("{id}.0"), (id > 1).then(|| id - 1)))
            .collect();
        let cur = h[7].0.clone();
        assert_eq!(to_prune(&h, Some(&cur), 3), vec![1, 2, 3, 4, 5]);
        // A current rollback (release 9 re-publishes 3.0, rolling back 8): what it rolled back
        // (also its previous, and where a rollback would go now) stays.
        let mut rb = release(9, "3.0", Some(8));
        rb.0.rollback_of = Some(8);
        let mut h = h;
        h.push(rb.clone());
        assert_eq!(to_prune(&h, Some(&rb.0), 1), vec![1, 2, 3, 4, 5, 6, 7]);
    }
}
