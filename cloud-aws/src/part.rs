//! A stack's resources, prepared on their own: references rewritten (as [`crate::stack`]
//! describes), each resource checked and written as the text it has in the template, so that
//! the typed resources can be dropped before synthesis settles what needs every stack and puts
//! each template together from that text.

use std::sync::Arc;

use girder_core::Diagnostic;

use crate::address::StackAddress;
use crate::entry::ResourceEntry;
use crate::intrinsic::TemplateName;
use crate::logical_id::LogicalId;
use crate::resolve::{Findings, Resolver, Subject};
use crate::template::{Template, write_resource};

/// Resources of one stack, taken out of it to be prepared on their own.
#[derive(Debug)]
pub(crate) struct Part {
    stack: Arc<StackAddress>,
    path: String,
    /// Sorted by logical ID, each ID once.
    resources: Vec<(LogicalId, ResourceEntry)>,
}

/// One resource of a prepared part.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub(crate) id: LogicalId,
    pub(crate) type_name: &'static str,
    pub(crate) condition: Option<TemplateName>,
    /// Where its text (`"Id": {…}`) is in the part's text.
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// A part whose references are rewritten and whose resources are written.
#[derive(Debug)]
pub(crate) struct PreparedPart {
    /// A template of the part's resources alone, as JSON: each resource's text is a slice of it.
    pub(crate) text: Vec<u8>,
    /// The resources in logical ID order.
    pub(crate) resources: Vec<Prepared>,
    pub(crate) findings: Findings,
    /// What looks like a secret in its resources' text (see [`crate::secrets`]).
    pub(crate) secrets: Vec<(LogicalId, girder_core::secrets::Finding)>,
}

impl Part {
    /// A part of `resources`, sorted by logical ID, each ID once.
    pub(crate) fn new(
        stack: Arc<StackAddress>,
        path: String,
        resources: Vec<(LogicalId, ResourceEntry)>,
    ) -> Self {
        debug_assert!(resources.windows(2).all(|w| w[0].0 < w[1].0));
        Self {
            stack,
            path,
            resources,
        }
    }

    /// The number of resources.
    pub(crate) fn len(&self) -> usize {
        self.resources.len()
    }

    /// Rewrites the part's references, checks its resources and writes their text. The typed
    /// resources stay in the part, to be dropped where the caller likes.
    pub(crate) fn prepare(&mut self) -> PreparedPart {
        let mut resources: Vec<Prepared> = self
            .resources
            .iter()
            .map(|(id, entry)| Prepared {
                id: id.clone(),
                type_name: entry.type_name(),
                condition: entry.condition().cloned(),
                start: 0,
                end: 0,
            })
            .collect();
        let mut findings = Findings::default();
        let mut secrets = Vec::new();
        // Resources take 1 to 2 KB each: reserve enough that the buffer rarely grows.
        let mut bytes = Vec::with_capacity(256 + self.resources.len() * 1536);
        let ids = &resources;
        let known = |id: &LogicalId| ids.binary_search_by(|r| r.id.cmp(id)).is_ok();
        let mut spans = Vec::with_capacity(self.resources.len());
        // The text is a whole template of these resources alone: a stack with no other sections
        // is written as it stands.
        let written = Template::new().write_around(&mut bytes, |section| {
            for (id, entry) in &mut self.resources {
                let subject = Subject::Resource(entry.type_name(), id);
                let mut resolver = Resolver {
                    here: &self.stack,
                    path: &self.path,
                    known: &known,
                    findings: &mut findings,
                };
                resolver.resolve(entry, subject);
                entry
                    .depends_on_mut()
                    .retain(|target| resolver.keep_dependency(target, subject));
                if let Some(condition) = entry.condition() {
                    resolver.check_local(condition, "condition", subject);
                }
                let mut span = (0, 0);
                let result = section.raw_entry(|out| {
                    span.0 = out.len();
                    let result = write_resource(out, id, entry);
                    span.1 = out.len();
                    let text = result.is_ok().then(|| &out[span.0..span.1]);
                    crate::limits::check_resource(id, entry, text, &self.path, &mut findings.diags);
                    if let Some(text) = text {
                        secrets.extend(
                            crate::secrets::scan(entry.type_name(), id.as_str(), text)
                                .into_iter()
                                .map(|f| (id.clone(), f)),
                        );
                    }
                    result
                });
                if let Err(error) = result {
                    findings.diags.push(
                        Diagnostic::error(
                            self.path.as_str(),
                            format!("cannot write the template of stack `{}`", self.stack.name()),
                        )
                        .object(subject.to_string())
                        .cause(error.to_string()),
                    );
                }
                spans.push(span);
            }
            Ok(())
        });
        // Only the resources can fail to serialize, and they report it above.
        debug_assert!(written.is_ok());
        for (resource, (start, end)) in resources.iter_mut().zip(spans) {
            resource.start = start;
            resource.end = end;
        }
        PreparedPart {
            text: bytes,
            resources,
            findings,
            secrets,
        }
    }
}
