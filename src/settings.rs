//! Settings layered one way everywhere (uv's `Combine`): each layer is a struct of optional
//! values — flags (clap already folds in their environment variables), then a file — and
//! `higher.combine(lower)` keeps, field by field, the higher layer's value when it has one.
//! Defaults are applied once, after combining. So "flag > env > file > default" is written once
//! per settings type (the field list of `combine_fields!`), not as a hand-written chain of `or`s
//! per field.

use std::collections::BTreeMap;

pub trait Combine {
    /// `self` is the higher layer.
    fn combine(self, lower: Self) -> Self;
}

impl<T> Combine for Option<T> {
    fn combine(self, lower: Self) -> Self {
        self.or(lower)
    }
}

/// Maps merge key by key; the higher layer's value wins for a key in both.
impl<K: Ord, V> Combine for BTreeMap<K, V> {
    fn combine(self, mut lower: Self) -> Self {
        lower.extend(self);
        lower
    }
}

/// Lists add up: the higher layer's entries, then the lower layer's that are not among them.
impl<T: PartialEq> Combine for Vec<T> {
    fn combine(self, lower: Self) -> Self {
        let mut out = self;
        for x in lower {
            if !out.contains(&x) {
                out.push(x);
            }
        }
        out
    }
}

/// `impl Combine` for a struct whose fields all implement it.
macro_rules! combine_fields {
    ($ty:ty { $($field:ident),* $(,)? }) => {
        impl $crate::settings::Combine for $ty {
            fn combine(self, lower: Self) -> Self {
                Self {
                    $($field: $crate::settings::Combine::combine(self.$field, lower.$field),)*
                }
            }
        }
    };
}
pub(crate) use combine_fields;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Default)]
    struct Layer {
        a: Option<u32>,
        b: Option<String>,
        list: Vec<&'static str>,
        map: BTreeMap<&'static str, u32>,
    }
    combine_fields!(Layer { a, b, list, map });

    #[test]
    fn higher_layers_win_field_by_field() {
        let flags = Layer {
            a: Some(1),
            list: vec!["x"],
            map: [("k", 1)].into(),
            ..Default::default()
        };
        let file = Layer {
            a: Some(2),
            b: Some("file".into()),
            list: vec!["y", "x"],
            map: [("k", 2), ("j", 3)].into(),
        };
        assert_eq!(
            flags.combine(file),
            Layer {
                a: Some(1),
                b: Some("file".into()),
                list: vec!["x", "y"],
                map: [("k", 1), ("j", 3)].into(),
            }
        );
    }
}
