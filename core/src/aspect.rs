//! Aspects: typed visitors that apply policy to constructs and to the objects they emit.

use std::rc::Rc;

use crate::diag::{Diagnostic, Diagnostics};
use crate::tree::Construct;

/// What an aspect can visit: one construct type, every construct (`dyn Construct`), or the
/// objects a target emits (a Kubernetes `Manifest`, a CloudFormation `CfnResource`).
///
/// Constructs are visitable as they are; a target implements this trait for its objects.
#[diagnostic::on_unimplemented(
    message = "aspects cannot visit `{Self}`",
    label = "neither a construct nor an object a target emits",
    note = "an aspect visits one construct type (e.g. `WebServiceSpec`), every construct (`dyn Construct`), or a target's objects (`girder::k8s::Manifest`, `girder::aws::CfnResource`)"
)]
pub trait Visitable: 'static {
    /// `construct` as `Self`, when `Self` is a construct type it is (or every construct).
    fn from_construct(construct: &mut dyn Construct) -> Option<&mut Self> {
        let _ = construct;
        None
    }
}

impl Visitable for dyn Construct {
    fn from_construct(construct: &mut dyn Construct) -> Option<&mut Self> {
        Some(construct)
    }
}

impl<C: Construct> Visitable for C {
    fn from_construct(construct: &mut dyn Construct) -> Option<&mut Self> {
        let any: &mut dyn std::any::Any = construct;
        any.downcast_mut()
    }
}

/// A visitor of every `T` of the app (or of one environment), before anything is written.
///
/// Aspects apply organisation-wide policy: labels on every Kubernetes object, default
/// resources, an image allow-list that fails synth, a changed default on every web service.
/// An aspect of a construct type runs on the construct models before they are validated; an
/// aspect of a target's objects runs on every object as constructs emit it, before Girder's
/// checks, which therefore see what the aspect leaves.
///
/// ```
/// use girder_core::{Aspect, Construct, Visit};
///
/// /// Fails synth for any construct path that contains `tmp`.
/// struct NoTmp;
/// impl Aspect<dyn Construct> for NoTmp {
///     fn visit(&self, _construct: &mut dyn Construct, visit: &mut Visit<'_>) {
///         if visit.path().contains("tmp") {
///             visit.error("temporary constructs must not reach production", "remove it");
///         }
///     }
/// }
///
/// let app = girder_core::App::new("shop");
/// app.aspect(NoTmp);
/// // A closure is an aspect of the type its first argument names.
/// app.aspect(|_: &mut dyn Construct, visit: &mut Visit<'_>| assert!(!visit.env().is_empty()));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an aspect of `{T}`",
    note = "implement `girder_core::Aspect<{T}>` for `{Self}`, or pass a closure `|target: &mut {T}, visit: &mut Visit<'_>| ...`"
)]
pub trait Aspect<T: Visitable + ?Sized>: 'static {
    /// Inspects or changes one `T`; problems go to `visit`.
    fn visit(&self, target: &mut T, visit: &mut Visit<'_>);
}

impl<T: Visitable + ?Sized, F: Fn(&mut T, &mut Visit<'_>) + 'static> Aspect<T> for F {
    fn visit(&self, target: &mut T, visit: &mut Visit<'_>) {
        self(target, visit)
    }
}

/// Runs an aspect on a construct, if it is of the type the aspect visits.
type ConstructVisit = Rc<dyn Fn(&mut dyn Construct, &mut Visit<'_>)>;

/// An aspect as the tree keeps it: what it visits, and how to run it on a construct.
#[derive(Clone)]
pub(crate) struct Registered {
    /// The type visited.
    pub(crate) visits: std::any::TypeId,
    /// An `Rc<dyn Aspect<T>>` for the type visited.
    typed: Rc<dyn std::any::Any>,
    /// Runs the aspect on a construct it visits (and does nothing for other constructs and
    /// for aspects of a target's objects).
    on_construct: ConstructVisit,
}

impl Registered {
    pub(crate) fn new<T: Visitable + ?Sized>(aspect: impl Aspect<T>) -> Self {
        let aspect: Rc<dyn Aspect<T>> = Rc::new(aspect);
        let runner = aspect.clone();
        let on_construct: ConstructVisit = Rc::new(move |construct, visit| {
            if let Some(target) = T::from_construct(construct) {
                runner.visit(target, visit);
            }
        });
        Registered {
            visits: std::any::TypeId::of::<T>(),
            typed: Rc::new(aspect),
            on_construct,
        }
    }

    /// The aspect, when it visits `T`.
    pub(crate) fn of<T: Visitable + ?Sized>(&self) -> Option<Rc<dyn Aspect<T>>> {
        if self.visits != std::any::TypeId::of::<T>() {
            return None;
        }
        self.typed.downcast_ref::<Rc<dyn Aspect<T>>>().cloned()
    }

    /// Runs the aspect on `construct` if it visits it.
    pub(crate) fn visit_construct(&self, construct: &mut dyn Construct, visit: &mut Visit<'_>) {
        (self.on_construct)(construct, visit);
    }
}

/// One visit of an aspect: where the visited construct or object is, and where problems go.
pub struct Visit<'a> {
    path: &'a str,
    env: &'a str,
    object: Option<&'a str>,
    diags: &'a mut Diagnostics,
}

impl<'a> Visit<'a> {
    /// A visit at construct `path` in environment `env`; `object` names the emitted object
    /// visited (e.g. `apps/v1 Deployment hello/api`), `None` when a construct is visited.
    pub fn new(
        path: &'a str,
        env: &'a str,
        object: Option<&'a str>,
        diags: &'a mut Diagnostics,
    ) -> Self {
        Visit {
            path,
            env,
            object,
            diags,
        }
    }

    /// The construct path, e.g. `prod/hello/api`.
    pub fn path(&self) -> &str {
        self.path
    }

    /// The environment's name.
    pub fn env(&self) -> &str {
        self.env
    }

    /// The emitted object visited, e.g. `apps/v1 Deployment hello/api`; `None` when a
    /// construct is visited.
    pub fn object(&self) -> Option<&str> {
        self.object
    }

    /// Reports an error: synthesis fails and writes nothing.
    pub fn error(&mut self, message: impl Into<String>, hint: impl Into<String>) {
        let mut d = Diagnostic::error(self.path, message).hint(hint);
        d.object = self.object.map(str::to_owned);
        self.diags.push(d);
    }

    /// Reports a warning.
    pub fn warning(&mut self, message: impl Into<String>, hint: impl Into<String>) {
        let mut d = Diagnostic::warning(self.path, message).hint(hint);
        d.object = self.object.map(str::to_owned);
        self.diags.push(d);
    }

    /// Reports a prepared diagnostic.
    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }
}
