//! The standard `app.kubernetes.io/*` labels every Girder object carries.

use std::collections::BTreeMap;

use girder_core::{Context, Path};

/// `app.kubernetes.io/name`: the construct's object name.
pub const NAME: &str = "app.kubernetes.io/name";
/// `app.kubernetes.io/instance`: unique per construct in the app (derived from its whole path).
pub const INSTANCE: &str = "app.kubernetes.io/instance";
/// `app.kubernetes.io/component`: the construct's kind, e.g. `web-service`.
pub const COMPONENT: &str = "app.kubernetes.io/component";
/// `app.kubernetes.io/part-of`: the app's name.
pub const PART_OF: &str = "app.kubernetes.io/part-of";
/// `app.kubernetes.io/managed-by`: always `girder`.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";

/// The labels of one construct's objects.
///
/// Both maps are built once: a construct's objects each take a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    all: BTreeMap<String, String>,
    selector: BTreeMap<String, String>,
}

impl Labels {
    /// The labels of the construct at `cx`, whose objects are named `name`.
    pub fn new(cx: &Context<'_>, name: &str, component: &'static str) -> Self {
        let selector = Self::selector_of(cx.path, name);
        let mut all = selector.clone();
        all.insert(COMPONENT.to_owned(), component.to_owned());
        all.insert(PART_OF.to_owned(), cx.app.to_owned());
        all.insert(MANAGED_BY.to_owned(), "girder".to_owned());
        Labels { all, selector }
    }

    /// All five standard labels.
    pub fn all(&self) -> BTreeMap<String, String> {
        self.all.clone()
    }

    /// The labels that select this construct's pods: `name` and `instance`. They never change
    /// after the first deploy, because a Deployment's selector is immutable.
    pub fn selector(&self) -> BTreeMap<String, String> {
        self.selector.clone()
    }

    /// The selector labels of the construct at `path` whose objects are named `name`, without
    /// its render context: what a peer needs to select its pods.
    pub fn selector_of(path: &Path, name: &str) -> BTreeMap<String, String> {
        let segments: Vec<&str> = path.segments().collect();
        BTreeMap::from([
            (NAME.to_owned(), name.to_owned()),
            (
                INSTANCE.to_owned(),
                girder_core::name::derive(&segments, girder_core::name::MAX_LABEL),
            ),
        ])
    }

    /// The `app.kubernetes.io/instance` value.
    pub fn instance(&self) -> &str {
        &self.selector[INSTANCE]
    }
}
