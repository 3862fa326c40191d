//! Artifacts: what constructs emit for the targets, kept by type.

use std::any::{Any, TypeId};

use crate::diag::Diagnostic;

/// Something a construct can emit: an object of a target (a Kubernetes `Manifest`, a
/// CloudFormation `CfnResource`) or a [`Diagnostic`].
///
/// A target implements this trait for its object type; synthesis takes each target's objects
/// by type, so emitting anything else does not compile.
#[diagnostic::on_unimplemented(
    message = "a construct cannot emit `{Self}`",
    label = "not an object of any target",
    note = "emit a target's object: a Kubernetes `Manifest` (`Manifest::new(object)`), a CloudFormation `CfnResource`, a `Diagnostic`, a Kubernetes add-on need (`NeedsAddOn`) or a declared connection (`Wire`)"
)]
pub trait Artifact: 'static {
    /// What the artifact is, for messages (e.g. `Kubernetes object`).
    const WHAT: &'static str;
}

impl Artifact for Diagnostic {
    const WHAT: &'static str = "diagnostic";
}

/// One artifact type's list.
struct List {
    of: TypeId,
    what: &'static str,
    items: Box<dyn Items>,
}

/// A `Vec` of one artifact type, with its type erased.
trait Items: Any {
    fn len(&self) -> usize;
}

impl<A: Artifact> Items for Vec<A> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
}

/// What one construct emits, by artifact type, each type in the order emitted.
///
/// ```
/// use girder_core::{Diagnostic, Emitted};
///
/// let mut out = Emitted::new();
/// out.emit(Diagnostic::warning("prod/api", "deprecated"));
/// assert_eq!(out.take::<Diagnostic>().len(), 1);
/// assert!(out.is_empty());
/// ```
#[derive(Default)]
pub struct Emitted {
    lists: Vec<List>,
}

impl Emitted {
    /// Nothing emitted yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Emits one artifact.
    pub fn emit<A: Artifact>(&mut self, artifact: A) {
        let of = TypeId::of::<A>();
        let index = match self.lists.iter().position(|list| list.of == of) {
            Some(index) => index,
            None => {
                self.lists.push(List {
                    of,
                    what: A::WHAT,
                    items: Box::new(Vec::<A>::new()),
                });
                self.lists.len() - 1
            }
        };
        let items: &mut dyn Any = &mut *self.lists[index].items;
        if let Some(items) = items.downcast_mut::<Vec<A>>() {
            items.push(artifact);
        }
    }

    /// Takes every `A` emitted, in the order emitted.
    pub fn take<A: Artifact>(&mut self) -> Vec<A> {
        let of = TypeId::of::<A>();
        let Some(index) = self.lists.iter().position(|list| list.of == of) else {
            return Vec::new();
        };
        let items: Box<dyn Any> = self.lists.swap_remove(index).items;
        items
            .downcast::<Vec<A>>()
            .map(|items| *items)
            .unwrap_or_default()
    }

    /// What was emitted and not taken: what each artifact type is, and how many there are.
    pub fn rest(&self) -> impl Iterator<Item = (&'static str, usize)> + '_ {
        self.lists.iter().map(|list| (list.what, list.items.len()))
    }

    /// Drops everything not taken.
    pub fn clear(&mut self) {
        self.lists.clear();
    }

    /// The number of artifacts.
    pub fn len(&self) -> usize {
        self.lists.iter().map(|list| list.items.len()).sum()
    }

    /// Whether nothing was emitted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
