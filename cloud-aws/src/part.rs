//! Parts of stacks: resources resolved, checked and written while the rest of the program is
//! still rendering.
//!
//! [`Stack::take_part`](crate::Stack::take_part) takes the resources a stack holds so far;
//! [`Part::prepare`] rewrites their references (as [`crate::stack`] describes), checks each
//! one and writes each as the text it has in the template. The typed resources can then be
//! dropped:
//! [`CloudAssembly::synthesize_parts`](crate::CloudAssembly::synthesize_parts) settles what
//! needs every stack and puts each template together from its parts' text. A large program's
//! typed resources are thus never all in memory at once, and a second thread can prepare parts
//! while the first one renders the next.

use std::sync::Arc;

use girder_core::Diagnostic;

use crate::address::StackAddress;
use crate::entry::ResourceEntry;
use crate::intrinsic::TemplateName;
use crate::logical_id::LogicalId;
use crate::resolve::{Findings, Resolver, Subject};
use crate::template::{Template, write_resource};

/// Sorts `items` by logical ID and keeps the first of each ID (first in their order before the
/// sort), handing the ID of each one dropped to `duplicate`. It all happens in `items`' own
/// memory: items may be large, and a stack may have hundreds.
pub(crate) fn first_of_each_id<T>(
    mut items: Vec<T>,
    id: impl Fn(&T) -> &LogicalId,
    mut duplicate: impl FnMut(&LogicalId),
) -> Vec<T> {
    // Sorts (key, position) pairs: the position breaks ties, so the sort is stable. The key's
    // first 16 bytes, as one number, decide most comparisons without comparing strings.
    items.sort_by_cached_key(|item| {
        let id = id(item);
        let mut prefix = [0; 16];
        let bytes = id.as_str().as_bytes();
        let n = bytes.len().min(16);
        prefix[..n].copy_from_slice(&bytes[..n]);
        (u128::from_be_bytes(prefix), id.clone())
    });
    items.dedup_by(|later, kept| {
        let repeated = id(later) == id(kept);
        if repeated {
            duplicate(id(later));
        }
        repeated
    });
    items
}

/// Resources of one stack, taken out of it to be prepared on their own.
#[derive(Debug)]
pub struct Part {
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
    /// Where its text (`"Id": {…}`) is in the part's bytes.
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// Which of its stack's parts it belongs to, counted at synthesis.
    pub(crate) part: usize,
}

/// A template of a part's resources alone, as JSON: each resource's text is a slice of it.
#[derive(Debug)]
pub(crate) enum PartText {
    /// The text itself.
    Kept(Vec<u8>),
    /// Handed out by [`PreparedPart::write_text`]: only its length is left.
    Written(usize),
}

/// A part whose references are rewritten and whose resources are written (see the
/// [module docs](self)).
#[derive(Debug)]
pub struct PreparedPart {
    pub(crate) stack: Arc<StackAddress>,
    pub(crate) text: PartText,
    /// The resources in logical ID order.
    pub(crate) resources: Vec<Prepared>,
    pub(crate) findings: Findings,
    /// What looks like a secret in its resources' text (see [`crate::secrets`]).
    pub(crate) secrets: Vec<(LogicalId, girder_core::secrets::Finding)>,
}

impl PreparedPart {
    /// Hands the part's text, a template of its resources alone, to `write`, and keeps only its
    /// length, so that the memory serves the next part. When the part turns out to be all its
    /// stack has, that text is the stack's template and synthesis does not write it again;
    /// otherwise synthesis reads it back (see
    /// [`CloudAssembly::synthesize_parts`](crate::CloudAssembly::synthesize_parts)).
    ///
    /// The text is UTF-8: the serializer writes nothing else.
    ///
    /// Returns the text's buffer, emptied, for the next part's text
    /// ([`Part::prepare_into`]); an empty one when the text was handed out already.
    pub fn write_text(&mut self, write: impl FnOnce(&[u8])) -> Vec<u8> {
        let PartText::Kept(bytes) = &mut self.text else {
            return Vec::new();
        };
        write(bytes);
        let mut buffer = std::mem::take(bytes);
        self.text = PartText::Written(buffer.len());
        buffer.clear();
        buffer
    }

    /// The stack the part belongs to.
    pub fn stack(&self) -> &StackAddress {
        &self.stack
    }
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
    pub fn len(&self) -> usize {
        self.resources.len()
    }

    /// Whether the part has no resources.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// Drops up to `n` of the part's typed resources, the last in logical ID order first, and
    /// returns how many it dropped. Once the part is prepared they are not needed: a thread
    /// that goes on allocating can free a large part a few resources at a time, so that what
    /// it frees is what it allocates next, from the allocator's small per-thread cache.
    pub fn shed(&mut self, n: usize) -> usize {
        let n = n.min(self.resources.len());
        self.resources.truncate(self.resources.len() - n);
        n
    }

    /// Rewrites the part's references, checks its resources and writes their text. The typed
    /// resources stay in the part, to be dropped where the caller likes (best on the thread
    /// that made them).
    pub fn prepare(&mut self) -> PreparedPart {
        self.prepare_into(Vec::new())
    }

    /// [`Part::prepare`], writing the text into `buffer` (emptied first): a thread that
    /// prepares part after part reuses one buffer, whose memory is in place already, rather
    /// than have the allocator map fresh pages for each text.
    pub fn prepare_into(&mut self, mut bytes: Vec<u8>) -> PreparedPart {
        let mut resources: Vec<Prepared> = self
            .resources
            .iter()
            .map(|(id, entry)| Prepared {
                id: id.clone(),
                type_name: entry.type_name(),
                condition: entry.condition().cloned(),
                start: 0,
                end: 0,
                part: 0,
            })
            .collect();
        let mut findings = Findings::default();
        let mut secrets = Vec::new();
        // Resources take 1 to 2 KB each: reserve enough that the buffer rarely grows.
        bytes.clear();
        bytes.reserve(256 + self.resources.len() * 1536);
        let ids = &resources;
        let known = |id: &LogicalId| ids.binary_search_by(|r| r.id.cmp(id)).is_ok();
        let mut spans = Vec::with_capacity(self.resources.len());
        // The text is a whole template of these resources alone: a stack of one part and no
        // other sections is written as it stands.
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
            stack: self.stack.clone(),
            text: PartText::Kept(bytes),
            resources,
            findings,
            secrets,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sorted_as_strings_and_the_first_of_each_is_kept() {
        let long = "A".repeat(16);
        let ids = [
            format!("{long}B"),
            format!("{long}A"),
            "B".to_owned(),
            long.clone(),
            "A".to_owned(),
            format!("{long}A"),
            "AB".to_owned(),
            "A".to_owned(),
        ];
        let items: Vec<(LogicalId, usize)> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (LogicalId::new(id.as_str()).expect("valid"), i))
            .collect();
        let mut dropped = Vec::new();
        let unique = first_of_each_id(items, |(id, _)| id, |id| dropped.push(id.clone()));
        let order: Vec<(&str, usize)> = unique.iter().map(|(id, i)| (id.as_str(), *i)).collect();
        let a16a = format!("{long}A");
        let a16b = format!("{long}B");
        assert_eq!(
            order,
            [
                ("A", 4),
                (long.as_str(), 3),
                (a16a.as_str(), 1),
                (a16b.as_str(), 0),
                ("AB", 6),
                ("B", 2)
            ]
        );
        let dropped: Vec<&str> = dropped.iter().map(LogicalId::as_str).collect();
        assert_eq!(dropped, ["A", a16a.as_str()]);
    }
}
