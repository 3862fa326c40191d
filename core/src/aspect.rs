//! Aspects: visitors that walk the tree before synthesis to apply policy.

use std::any::Any;

use crate::diag::{Diagnostic, Diagnostics};

/// A visitor applied to every construct, then to every emitted object, before anything is written.
///
/// Aspects apply organisation-wide policy: labels on everything, default resources, an image
/// allow-list that fails synth. Girder's own checks are aspects too. An aspect downcasts what it
/// visits to the types it cares about and ignores the rest.
///
/// ```
/// use girder_core::{Aspect, Visit};
///
/// /// Fails synth for any construct path that contains `tmp`.
/// struct NoTmp;
/// impl Aspect for NoTmp {
///     fn visit(&self, visit: &mut Visit<'_>) {
///         if visit.path().contains("tmp") {
///             visit.error("temporary constructs must not reach production", "remove it");
///         }
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an aspect",
    note = "implement `girder_core::Aspect` for `{Self}`: a `visit` method that inspects or changes what it visits"
)]
pub trait Aspect: 'static {
    /// Inspects or changes one construct or emitted object.
    fn visit(&self, visit: &mut Visit<'_>);
}

impl<F: Fn(&mut Visit<'_>) + 'static> Aspect for F {
    fn visit(&self, visit: &mut Visit<'_>) {
        self(visit)
    }
}

/// One visit of an aspect: the construct path, what is visited, and where to report problems.
pub struct Visit<'a> {
    path: &'a str,
    env: &'a str,
    object: Object<'a>,
    target: &'a mut dyn Any,
    diags: &'a mut Diagnostics,
}

/// How a visit names the object it visits.
enum Object<'a> {
    /// A construct is visited.
    None,
    Named(&'a str),
    /// Named on first use from the target itself: most visits never need the name.
    Described(fn(&dyn Any) -> String, std::cell::OnceCell<String>),
}

impl<'a> Visit<'a> {
    /// A visit of `target` at construct `path` in environment `env`; `object` names an emitted object.
    pub fn new(
        path: &'a str,
        env: &'a str,
        object: Option<&'a str>,
        target: &'a mut dyn Any,
        diags: &'a mut Diagnostics,
    ) -> Self {
        Visit {
            path,
            env,
            object: object.map_or(Object::None, Object::Named),
            target,
            diags,
        }
    }

    /// A visit of the emitted object `target`, which `describe` names (e.g. `Deployment
    /// hello/api`) when an aspect asks or reports a problem.
    pub fn described(
        path: &'a str,
        env: &'a str,
        describe: fn(&dyn Any) -> String,
        target: &'a mut dyn Any,
        diags: &'a mut Diagnostics,
    ) -> Self {
        Visit {
            path,
            env,
            object: Object::Described(describe, std::cell::OnceCell::new()),
            target,
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

    /// The emitted object visited, e.g. `Deployment hello/api`; `None` when a construct is visited.
    pub fn object(&self) -> Option<&str> {
        match &self.object {
            Object::None => None,
            Object::Named(name) => Some(name),
            Object::Described(describe, name) => {
                Some(name.get_or_init(|| describe(&*self.target)).as_str())
            }
        }
    }

    /// What is visited, if it is a `T`.
    pub fn downcast_mut<T: Any>(&mut self) -> Option<&mut T> {
        self.target.downcast_mut::<T>()
    }

    /// What is visited, if it is a `T`.
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        self.target.downcast_ref::<T>()
    }

    /// Reports an error: synthesis fails and writes nothing.
    pub fn error(&mut self, message: impl Into<String>, hint: impl Into<String>) {
        let mut d = Diagnostic::error(self.path, message).hint(hint);
        d.object = self.object().map(str::to_owned);
        self.diags.push(d);
    }

    /// Reports a warning.
    pub fn warning(&mut self, message: impl Into<String>, hint: impl Into<String>) {
        let mut d = Diagnostic::warning(self.path, message).hint(hint);
        d.object = self.object().map(str::to_owned);
        self.diags.push(d);
    }

    /// Reports a prepared diagnostic.
    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }
}
