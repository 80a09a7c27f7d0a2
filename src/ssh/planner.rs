//! Pure scheduling of one stage: canary hosts first, then a bounded parallel pool, and when to
//! stop launching.

#[derive(Debug, Clone)]
pub struct StagePlanner {
    hosts: usize,
    canary: usize,
    parallel: usize,
    /// Failures tolerated before launching stops (0: the first stops it; `usize::MAX` with
    /// --continue-on-error).
    allowed_failures: usize,
    /// Failures never stop anything (`can_fail` stage).
    can_fail: bool,
    next: usize,
    running: usize,
    canaries_done: usize,
    failures: usize,
    stopped: bool,
}

impl StagePlanner {
    pub fn new(
        hosts: usize,
        canary: usize,
        parallel: usize,
        allowed_failures: usize,
        can_fail: bool,
    ) -> Self {
        StagePlanner {
            hosts,
            canary: canary.min(hosts),
            parallel: parallel.max(1),
            allowed_failures,
            can_fail,
            next: 0,
            running: 0,
            canaries_done: 0,
            failures: 0,
            stopped: false,
        }
    }

    /// The next host index to launch now, if any.
    pub fn launch(&mut self) -> Option<usize> {
        if self.stopped || self.next >= self.hosts {
            return None;
        }
        let in_canary = self.next < self.canary;
        let allowed = if in_canary {
            // Canaries run together (bounded by parallel), before anyone else.
            self.running < self.parallel.min(self.canary)
        } else {
            self.canaries_done >= self.canary && self.running < self.parallel
        };
        if !allowed {
            return None;
        }
        let i = self.next;
        self.next += 1;
        self.running += 1;
        Some(i)
    }

    pub fn complete(&mut self, index: usize, ok: bool) {
        self.running = self.running.saturating_sub(1);
        if index < self.canary {
            self.canaries_done += 1;
        }
        if !ok {
            self.failures += 1;
            if !self.can_fail && (index < self.canary || self.failures > self.allowed_failures) {
                // A failed canary stops everything; otherwise one failure more than allowed.
                self.stopped = true;
            }
        }
    }

    pub fn finished(&self) -> bool {
        self.running == 0 && (self.stopped || self.next >= self.hosts)
    }

    /// Hosts never launched because the stage stopped.
    pub fn not_started(&self) -> std::ops::Range<usize> {
        self.next..self.hosts
    }

    pub fn failures(&self) -> usize {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drive a planner with per-host outcomes, completing the oldest running host first.
    /// Returns launch order and the most hosts running at once after the canaries.
    fn drive(mut p: StagePlanner, ok: impl Fn(usize) -> bool) -> (Vec<usize>, usize, StagePlanner) {
        let mut order = vec![];
        let mut running: std::collections::VecDeque<usize> = Default::default();
        let mut peak = 0;
        loop {
            while let Some(i) = p.launch() {
                order.push(i);
                running.push_back(i);
            }
            if order.iter().any(|i| *i >= p.canary) {
                peak = peak.max(running.iter().filter(|i| **i >= p.canary).count());
            }
            match running.pop_front() {
                Some(i) => p.complete(i, ok(i)),
                None => break,
            }
        }
        assert!(p.finished());
        (order, peak, p)
    }

    #[test]
    fn the_budget_stops_at_one_failure_more() {
        // Host 0 is the canary and succeeds; 1 and 2 fail: with one failure allowed, the second
        // stops the stage.
        let p = StagePlanner::new(6, 1, 1, 1, false);
        let (order, _, p) = drive(p, |i| !(i == 1 || i == 2));
        assert_eq!(order, vec![0, 1, 2]);
        assert_eq!(p.failures(), 2);
        let p = StagePlanner::new(6, 1, 1, 2, false);
        let (order, _, _) = drive(p, |i| !(i == 1 || i == 2));
        assert_eq!(order.len(), 6);
    }

    #[test]
    fn canary_alone_then_bounded_pool() {
        let mut p = StagePlanner::new(5, 1, 2, 0, false);
        assert_eq!(p.launch(), Some(0));
        assert_eq!(p.launch(), None, "the canary runs alone");
        p.complete(0, true);
        assert_eq!(p.launch(), Some(1));
        assert_eq!(p.launch(), Some(2));
        assert_eq!(p.launch(), None, "parallel 2");
        let (order, peak, _) = drive(StagePlanner::new(5, 1, 2, 0, false), |_| true);
        assert_eq!(order, vec![0, 1, 2, 3, 4]);
        assert_eq!(peak, 2);
    }

    #[test]
    fn failed_canary_stops_everything_even_with_continue_on_error() {
        let (order, _, p) = drive(StagePlanner::new(5, 1, 3, usize::MAX, false), |i| i != 0);
        assert_eq!(order, vec![0]);
        assert_eq!(p.not_started(), 1..5);
    }

    #[test]
    fn failure_stops_new_launches_unless_continue_on_error() {
        let (order, _, p) = drive(StagePlanner::new(6, 1, 2, 0, false), |i| i != 2);
        // 1 finished first and 3 took its place; after 2 failed nothing new started.
        assert_eq!(order, vec![0, 1, 2, 3]);
        assert_eq!(p.not_started(), 4..6);
        assert_eq!(p.failures(), 1);
        let (order, _, p) = drive(StagePlanner::new(6, 1, 2, usize::MAX, false), |i| i != 2);
        assert_eq!(order.len(), 6);
        assert_eq!(p.failures(), 1);
    }

    #[test]
    fn can_fail_never_stops() {
        let (order, _, p) = drive(StagePlanner::new(4, 1, 2, 0, true), |_| false);
        assert_eq!(order.len(), 4);
        assert_eq!(p.failures(), 4);
    }

    #[test]
    fn several_canaries_and_edge_sizes() {
        let mut p = StagePlanner::new(4, 2, 5, 0, false);
        assert_eq!(
            (p.launch(), p.launch(), p.launch()),
            (Some(0), Some(1), None)
        );
        p.complete(0, true);
        assert_eq!(p.launch(), None, "waits for every canary");
        p.complete(1, true);
        assert_eq!((p.launch(), p.launch()), (Some(2), Some(3)));
        let (order, _, _) = drive(StagePlanner::new(2, 5, 1, 0, false), |_| true);
        assert_eq!(order, vec![0, 1]);
        let p = StagePlanner::new(0, 1, 1, 0, false);
        assert!(p.finished());
    }
}
