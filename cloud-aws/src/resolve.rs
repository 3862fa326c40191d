//! Resolving the references of one stack's resources without the rest of the program.
//!
//! A reference within the stack stays a `Ref` or `Fn::GetAtt`; one to another stack of the
//! same account and region becomes the `Fn::ImportValue` of an export whose name depends only on
//! the producer's stack name, the target's logical ID and the attribute. So a stack's resources
//! can be rewritten and written on their own. What needs every stack (that the
//! target exists, which export the producer declares, the order stacks deploy in) is kept as a
//! [`Pending`] reference and settled once the whole program has rendered
//! ([`crate::synth`]).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use girder_core::{Diagnostic, Diagnostics};

use crate::address::StackAddress;
use crate::fns::sub_placeholders;
use crate::intrinsic::{Intrinsic, Pseudo, RefTarget, ResourceTarget, TemplateName};
use crate::json::Json;
use crate::logical_id::LogicalId;
use crate::resource::Walk;
use crate::synth::{LIST_SEPARATOR, export_name};

/// What a diagnostic is about, formatted only when one is raised.
#[derive(Clone, Copy)]
pub(crate) enum Subject<'a> {
    Resource(&'static str, &'a LogicalId),
    Output(&'a str),
    Condition(&'a str),
    Metadata,
}

impl fmt::Display for Subject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Resource(type_name, id) => write!(f, "{type_name} {id}"),
            Subject::Output(name) => write!(f, "output {name}"),
            Subject::Condition(name) => write!(f, "condition {name}"),
            Subject::Metadata => f.write_str("template Metadata"),
        }
    }
}

/// A reference whose target the stack could not see: one to another stack, or to a resource its
/// own stack does not have.
#[derive(Debug)]
pub(crate) struct Pending {
    /// What refers (`AWS::IAM::Role AppRole1a2b3c4d`).
    pub(crate) subject: String,
    pub(crate) target: ResourceTarget,
    pub(crate) kind: PendingKind,
}

/// How a [`Pending`] reference refers.
#[derive(Debug)]
pub(crate) enum PendingKind {
    /// `Ref` (no attribute) or `Fn::GetAtt`, the attribute a list when `list`.
    Value {
        attribute: Option<String>,
        list: bool,
    },
    /// `DependsOn`.
    Dependency,
}

/// What resolving a stack's resources found: errors it could tell alone, and the references to settle.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub(crate) diags: Diagnostics,
    pub(crate) pending: Vec<Pending>,
}

/// Rewrites the references of one stack's resources or sections.
pub(crate) struct Resolver<'a> {
    /// The stack being resolved.
    pub(crate) here: &'a Arc<StackAddress>,
    /// Its construct path, which diagnostics name.
    pub(crate) path: &'a str,
    /// Whether the stack has a resource.
    pub(crate) known: &'a dyn Fn(&LogicalId) -> bool,
    pub(crate) findings: &'a mut Findings,
}

impl Resolver<'_> {
    pub(crate) fn error(&mut self, subject: Subject<'_>, message: String, hint: &str) {
        self.findings.diags.push(
            Diagnostic::error(self.path, message)
                .object(subject.to_string())
                .hint(hint),
        );
    }

    /// Whether `target` is in this stack.
    fn is_here(&self, target: &ResourceTarget) -> bool {
        // Most references share their stack's address: no need to compare it.
        Arc::ptr_eq(target.stack_arc(), self.here) || target.stack() == &**self.here
    }

    /// Checks that a parameter, condition or mapping is used in the stack that declares it.
    pub(crate) fn check_local(&mut self, name: &TemplateName, what: &str, subject: Subject<'_>) {
        if name.stack() != &**self.here {
            let message = format!(
                "stack `{}` uses the {what} `{}` of stack `{}`",
                self.here.name(),
                name.name(),
                name.stack().name()
            );
            self.error(
                subject,
                message,
                &format!(
                    "a {what} belongs to the stack that declares it: declare it in this stack too"
                ),
            );
        }
    }

    /// Records a reference to a resource as pending unless it is to a resource of this stack;
    /// returns whether it must be rewritten (the resource is in another stack of this account
    /// and region).
    fn resource(
        &mut self,
        target: &ResourceTarget,
        attribute: Option<&str>,
        list: bool,
        subject: Subject<'_>,
    ) -> bool {
        let here = self.is_here(target);
        if here && (self.known)(target.logical_id()) {
            return false;
        }
        self.findings.pending.push(Pending {
            subject: subject.to_string(),
            target: target.clone(),
            kind: PendingKind::Value {
                attribute: attribute.map(str::to_owned),
                list,
            },
        });
        self.is_imported(target)
    }

    /// Visits one intrinsic of an output or a section: checks it, and rewrites it if it refers
    /// to a resource of another stack.
    pub(crate) fn visit(&mut self, intrinsic: &mut Intrinsic, subject: Subject<'_>) {
        if self.inspect(intrinsic, subject) {
            self.rewrite(intrinsic);
        }
    }

    /// Resolves every intrinsic of `item` (a resource): checks each and records what must be
    /// settled, then rewrites the references to other stacks. The rewrite is a second pass,
    /// taken only when there is one: an item without (most) is never written to, so what it
    /// shares with its construct (a role's policy) stays shared.
    pub(crate) fn resolve(&mut self, item: &mut dyn Walk, subject: Subject<'_>) {
        let mut rewrite = false;
        item.walk(&mut |intrinsic| rewrite |= self.inspect(intrinsic, subject));
        if rewrite {
            item.walk_mut(&mut |intrinsic| self.rewrite(intrinsic));
        }
    }

    /// Checks one intrinsic and records the references to settle; returns whether it must be
    /// rewritten ([`Resolver::rewrite`]).
    fn inspect(&mut self, intrinsic: &Intrinsic, subject: Subject<'_>) -> bool {
        match intrinsic {
            Intrinsic::Ref(RefTarget::Resource(target)) => {
                self.resource(target, None, false, subject)
            }
            Intrinsic::GetAtt {
                target,
                attribute,
                list,
            } => self.resource(target, Some(attribute.as_ref()), *list, subject),
            other => {
                self.check(other, subject);
                false
            }
        }
    }

    /// Replaces a reference to a resource of another stack of this account and region with the
    /// import of that stack's export; leaves any other intrinsic as it is.
    fn rewrite(&self, intrinsic: &mut Intrinsic) {
        let (target, attribute, list) = match &*intrinsic {
            Intrinsic::Ref(RefTarget::Resource(target)) => (target, None, false),
            Intrinsic::GetAtt {
                target,
                attribute,
                list,
            } => (target, Some(attribute.as_ref()), *list),
            _ => return,
        };
        if !self.is_imported(target) {
            return;
        }
        let name = export_name(target.stack().name(), target.logical_id(), attribute);
        let import = Intrinsic::ImportValue(Box::new(Json::from(name)));
        *intrinsic = if list {
            Intrinsic::Split {
                delimiter: LIST_SEPARATOR.to_owned(),
                source: Box::new(Json::Expr(Box::new(import))),
            }
        } else {
            import
        };
    }

    /// Whether a reference to `target` becomes an import: it is in another stack of this
    /// stack's account and region.
    fn is_imported(&self, target: &ResourceTarget) -> bool {
        !self.is_here(target) && target.stack().same_environment(self.here)
    }

    /// Checks an intrinsic that is not a reference to a resource.
    pub(crate) fn check(&mut self, intrinsic: &Intrinsic, subject: Subject<'_>) {
        match intrinsic {
            Intrinsic::Ref(RefTarget::Parameter(name)) => {
                self.check_local(name, "parameter", subject)
            }
            Intrinsic::If {
                condition: name, ..
            }
            | Intrinsic::Condition(name) => self.check_local(name, "condition", subject),
            Intrinsic::FindInMap { mapping, .. } => self.check_local(mapping, "mapping", subject),
            Intrinsic::Sub {
                template,
                variables,
            } => self.check_sub(template, variables, subject),
            Intrinsic::Dynamic(reference) => {
                if let Some(problem) = crate::dynamic::check(reference) {
                    self.error(
                        subject,
                        format!("malformed dynamic reference: {problem}"),
                        "see the constructors of DynamicReference",
                    );
                }
            }
            Intrinsic::And(items) | Intrinsic::Or(items) if !(2..=10).contains(&items.len()) => {
                let message = format!(
                    "{} has {} conditions; CloudFormation takes 2 to 10",
                    intrinsic.function_name(),
                    items.len()
                );
                self.error(
                    subject,
                    message,
                    "nest Fn::And / Fn::Or to combine more than 10",
                );
            }
            Intrinsic::Cidr {
                count, cidr_bits, ..
            } => {
                self.check_cidr_number(
                    count,
                    "count",
                    256,
                    "ask for 1 to 256 CIDR blocks",
                    subject,
                );
                self.check_cidr_number(
                    cidr_bits,
                    "cidr bits",
                    128,
                    "give the number of host bits, e.g. 8 for /24 subnets of an IPv4 block",
                    subject,
                );
            }
            _ => {}
        }
    }

    /// Checks that a literal number argument `what` of `Fn::Cidr` is within `1..=max`.
    fn check_cidr_number(
        &mut self,
        value: &Json,
        what: &str,
        max: i64,
        hint: &str,
        subject: Subject<'_>,
    ) {
        if let Json::Plain(serde_json::Value::Number(n)) = value
            && !n.as_i64().is_some_and(|n| (1..=max).contains(&n))
        {
            self.error(
                subject,
                format!("Fn::Cidr {what} {n} is outside 1..={max}"),
                hint,
            );
        }
    }

    fn check_sub(
        &mut self,
        template: &str,
        variables: &BTreeMap<String, Json>,
        subject: Subject<'_>,
    ) {
        match sub_placeholders(template) {
            Err(at) => {
                let message =
                    format!("Fn::Sub string `{template}` has an unclosed `${{` at byte {at}");
                self.error(
                    subject,
                    message,
                    "close it with `}`, or write `${!` for a literal `${`",
                );
            }
            Ok(names) => {
                for name in names {
                    if variables.contains_key(name) || Pseudo::from_name(name).is_some() {
                        continue;
                    }
                    let message = format!(
                        "Fn::Sub string `{template}` uses `${{{name}}}`, which has no value"
                    );
                    self.error(
                        subject,
                        message,
                        &format!(
                            "give it one with `.var(\"{name}\", ..)` (e.g. a ResourceRef's attribute); \
                             resources and parameters are not referred to by name"
                        ),
                    );
                }
            }
        }
    }

    /// Whether a `DependsOn` stays in the template: one on another stack becomes a dependency
    /// between the stacks (settled later, with every dependency it cannot check here).
    pub(crate) fn keep_dependency(
        &mut self,
        target: &ResourceTarget,
        subject: Subject<'_>,
    ) -> bool {
        let here = self.is_here(target);
        if !(here && (self.known)(target.logical_id())) {
            self.findings.pending.push(Pending {
                subject: subject.to_string(),
                target: target.clone(),
                kind: PendingKind::Dependency,
            });
        }
        here
    }
}
