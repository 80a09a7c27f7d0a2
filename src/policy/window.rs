//! Deploy windows (`publish --window 'Mon-Fri 09:00-16:00 Europe/Berlin'`): when hosts may start
//! a deploy of the release. Outside its window no host starts one (running deploys finish);
//! time zones come from the system's tz database (jiff). Pure, given the time.

use std::time::SystemTime;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;

use crate::error::{Error, Result};

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A parsed window: the days it opens on, its start and end (seconds of the day; an end at or
/// before the start runs past midnight), and its time zone.
#[derive(Debug, Clone)]
pub struct Window {
    days: [bool; 7],
    start: u32,
    end: u32,
    tz: TimeZone,
    tz_name: String,
}

fn day(s: &str) -> Option<usize> {
    let s = s.to_ascii_lowercase();
    DAYS.iter().position(|d| s.starts_with(d) && s.len() <= 9)
}

fn time_of_day(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let n: Vec<u32> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (h, m, sec) = (n[0], n[1], n.get(2).copied().unwrap_or(0));
    // 24:00 is the end of the day.
    if (h == 24 && m == 0 && sec == 0) || (h < 24 && m < 60 && sec < 60) {
        Some(h * 3600 + m * 60 + sec)
    } else {
        None
    }
}

impl Window {
    /// `DAYS HH:MM[:SS]-HH:MM[:SS] ZONE`: DAYS is `Mon-Fri`, `Mon,Wed,Fri`, `Sat-Sun` or `*`;
    /// ZONE a tz database name (`Europe/Berlin`, `UTC`).
    pub fn parse(s: &str) -> Result<Window> {
        let bad = |why: &str| Error::invalid("--window", s, why.to_string());
        let words: Vec<&str> = s.split_whitespace().collect();
        let [days, times, zone] = words[..] else {
            return Err(bad(
                "is not DAYS HH:MM-HH:MM ZONE (e.g. 'Mon-Fri 09:00-16:00 Europe/Berlin')",
            ));
        };
        let mut open = [false; 7];
        if days == "*" {
            open = [true; 7];
        } else {
            for part in days.split(',') {
                match part.split_once('-') {
                    Some((a, b)) => {
                        let (a, b) = (
                            day(a).ok_or_else(|| bad("has an unknown day"))?,
                            day(b).ok_or_else(|| bad("has an unknown day"))?,
                        );
                        let mut d = a;
                        loop {
                            open[d] = true;
                            if d == b {
                                break;
                            }
                            d = (d + 1) % 7;
                        }
                    }
                    None => open[day(part).ok_or_else(|| bad("has an unknown day"))?] = true,
                }
            }
        }
        let (from, to) = times
            .split_once('-')
            .ok_or_else(|| bad("needs a time range HH:MM-HH:MM"))?;
        let start = time_of_day(from).ok_or_else(|| bad("has a bad start time"))?;
        let end = time_of_day(to).ok_or_else(|| bad("has a bad end time"))?;
        if start == end {
            return Err(bad("opens and closes at the same time"));
        }
        let tz = jiff::tz::db()
            .get(zone)
            .map_err(|e| bad(&format!("names a time zone this system does not know: {e}")))?;
        Ok(Window {
            days: open,
            start,
            end,
            tz,
            tz_name: zone.to_string(),
        })
    }

    fn at(&self, date: Date, secs: u32) -> Option<SystemTime> {
        let dt = date
            .at(0, 0, 0, 0)
            .checked_add(jiff::Span::new().seconds(i64::from(secs)))
            .ok()?;
        let z = dt.to_zoned(self.tz.clone()).ok()?;
        Some(SystemTime::from(z.timestamp()))
    }

    fn opens_on(&self, date: Date) -> bool {
        self.days[weekday_index(date.weekday())]
    }

    /// The opening that starts on `date`: its start and end.
    fn opening(&self, date: Date) -> Option<(SystemTime, SystemTime)> {
        if !self.opens_on(date) {
            return None;
        }
        let start = self.at(date, self.start)?;
        let end = if self.end > self.start {
            self.at(date, self.end)?
        } else {
            self.at(date.tomorrow().ok()?, self.end)?
        };
        Some((start, end))
    }

    fn today(&self, now: SystemTime) -> Option<Date> {
        let ts = jiff::Timestamp::try_from(now).ok()?;
        Some(ts.to_zoned(self.tz.clone()).date())
    }

    /// Is the window open at `now`?
    pub fn is_open(&self, now: SystemTime) -> bool {
        let Some(today) = self.today(now) else {
            return false;
        };
        [today.yesterday().ok(), Some(today)]
            .into_iter()
            .flatten()
            .filter_map(|d| self.opening(d))
            .any(|(s, e)| s <= now && now < e)
    }

    /// When it next opens after `now` (within the next 8 days).
    pub fn next_opening(&self, now: SystemTime) -> Option<SystemTime> {
        let mut d = self.today(now)?;
        for _ in 0..8 {
            if let Some((s, _)) = self.opening(d).filter(|(s, _)| *s > now) {
                return Some(s);
            }
            d = d.tomorrow().ok()?;
        }
        None
    }

    pub fn zone(&self) -> &str {
        &self.tz_name
    }
}

fn weekday_index(w: Weekday) -> usize {
    w.to_monday_zero_offset() as usize
}

/// What holds `window`'s release at `now`, when the window is shut (`None`: open): why, and its
/// next opening.
pub fn hold(window: &str, now: SystemTime) -> Option<super::Hold> {
    match Window::parse(window) {
        // A window this host cannot read holds: a deploy outside it must not start.
        Err(e) => Some(super::Hold {
            reason: format!("held: the deploy window cannot be read here ({e})"),
            ends: None,
        }),
        Ok(w) if w.is_open(now) => None,
        Ok(w) => {
            let ends = w.next_opening(now);
            Some(super::Hold {
                reason: match ends {
                    Some(t) => format!(
                        "held until {} (deploy window {window})",
                        crate::model::format_time(t)
                    ),
                    None => format!("held: the deploy window {window} never opens"),
                },
                ends,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> SystemTime {
        humantime::parse_rfc3339(s).expect("time")
    }

    #[test]
    fn weekdays_in_a_zone() {
        let w = Window::parse("Mon-Fri 09:00-16:00 Europe/Berlin").expect("window");
        // 2026-12-07 is a Monday; Berlin is UTC+1 in December.
        assert!(!w.is_open(t("2026-12-07T07:59:59Z")));
        assert!(w.is_open(t("2026-12-07T08:00:00Z")));
        assert!(w.is_open(t("2026-12-07T14:59:59Z")));
        assert!(!w.is_open(t("2026-12-07T15:00:00Z")));
        assert!(!w.is_open(t("2026-12-12T10:00:00Z")), "a Saturday");
        assert_eq!(
            w.next_opening(t("2026-12-11T16:00:00Z")),
            Some(t("2026-12-14T08:00:00Z")),
            "Friday evening: Monday morning"
        );
        // Summer time: UTC+2.
        assert!(w.is_open(t("2026-07-06T07:00:00Z")));
    }

    #[test]
    fn past_midnight_lists_and_every_day() {
        let w = Window::parse("Fri,Sat 22:00-02:00 UTC").expect("window");
        assert!(w.is_open(t("2026-12-11T23:00:00Z")), "Friday night");
        assert!(w.is_open(t("2026-12-12T01:00:00Z")), "into Saturday");
        assert!(
            w.is_open(t("2026-12-13T01:00:00Z")),
            "Saturday night into Sunday"
        );
        assert!(
            !w.is_open(t("2026-12-14T01:00:00Z")),
            "Monday 01:00 follows no opening"
        );
        let all = Window::parse("* 00:00-24:00 UTC").expect("window");
        assert!(all.is_open(t("2026-12-13T12:00:00Z")));
        for bad in [
            "Mon-Fri 09:00-16:00",
            "Mon-Fri 09:00-16:00 Mars/Olympus",
            "Funday 09:00-16:00 UTC",
            "Mon 25:00-26:00 UTC",
            "Mon 09:00-09:00 UTC",
            "Mon 0900-1600 UTC",
        ] {
            assert!(Window::parse(bad).is_err(), "{bad}");
        }
        assert!(hold("Mon 09:00-10:00 Nowhere/Land", SystemTime::now()).is_some());
    }
}
