//! [`Walk`]: finding the intrinsics inside a value, to resolve references between resources
//! and stacks. Public as `girder_aws::resource::Walk` (and `girder_aws::Walk`).

use std::collections::BTreeMap;

use crate::intrinsic::Intrinsic;

/// Visits every intrinsic inside a value: used to find references between resources and
/// stacks.
pub trait Walk {
    /// Calls `f` on every intrinsic inside `self`, outermost first.
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic));
    /// Calls `f` on every intrinsic inside `self`, with mutable access (to rewrite references).
    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic));
}

macro_rules! walk_nothing {
    ($($t:ty),*) => {$(
        impl Walk for $t {
            fn walk(&self, _: &mut dyn FnMut(&Intrinsic)) {}
            fn walk_mut(&mut self, _: &mut dyn FnMut(&mut Intrinsic)) {}
        }
    )*};
}
walk_nothing!(String, bool, i64, f64, serde_json::Value);

impl<T: Walk> Walk for Option<T> {
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        if let Some(v) = self {
            v.walk(f);
        }
    }
    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        if let Some(v) = self {
            v.walk_mut(f);
        }
    }
}

impl<T: Walk> Walk for Vec<T> {
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        self.iter().for_each(|v| v.walk(f));
    }
    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        self.iter_mut().for_each(|v| v.walk_mut(f));
    }
}

impl<T: Walk> Walk for BTreeMap<String, T> {
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        self.values().for_each(|v| v.walk(f));
    }
    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        self.values_mut().for_each(|v| v.walk_mut(f));
    }
}

impl<T: Walk> Walk for Box<T> {
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        (**self).walk(f);
    }
    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        (**self).walk_mut(f);
    }
}
