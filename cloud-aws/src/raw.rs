//! Untyped resources: [`RawResource`], for a resource type newer than the schemas Girder's
//! generated types come from (or a third-party registry type), made by [`CfnResource::raw`].
//!
//! A raw resource goes wherever a typed one does: [`Stack::add`](crate::Stack::add) (which
//! returns a [`ResourceRef<RawResource>`](crate::ResourceRef) for `Ref` and `Fn::GetAtt`),
//! [`Entry`] for attributes, [`CfnResource::new`] in a construct. Its properties
//! are JSON, with intrinsics where needed; nothing checks them in Rust, but the templates are
//! linted by cfn-lint like any other (with the schemas of the cfn-lint installed, so a type that
//! cfn-lint does not know is reported as such).
//!
//! ```
//! use girder_aws::{CfnResource, CloudAssembly, AwsEnvironment, ExportLedger, Json, LogicalId};
//! use serde_json::json;
//!
//! let topic = CfnResource::raw("AWS::SNS::Topic", json!({ "TopicName": "alerts" }))?;
//! let env = AwsEnvironment::new("123456789012", "eu-west-1")?;
//! let mut app = CloudAssembly::new();
//! let stack = app.stack(&env, "shop-alerts");
//! let alerts = stack.add(LogicalId::new("Alerts")?, topic);
//! // Attributes are untyped too: name them and their type.
//! let _arn = alerts.get_att::<String>("TopicArn");
//!
//! let synthesis = app.synthesize(&ExportLedger::default()).map_err(|d| d.to_string())?;
//! let body = synthesis.stack_named("shop-alerts").unwrap().body();
//! assert!(body.contains(r#""Type": "AWS::SNS::Topic""#));
//! assert!(body.contains(r#""TopicName": "alerts""#));
//!
//! // Bad input is an error that says what to do, never a panic.
//! let error = CfnResource::raw("SNS::Topic", json!({})).unwrap_err();
//! assert!(error.to_string().contains("Organization::Service::Resource"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::any::Any;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::entry::{Entry, ErasedProperties, ResourceEntry};
use crate::intrinsic::Intrinsic;
use crate::json::Json;
use crate::scope::CfnResource;
use crate::walk::Walk;
use crate::write::JsonSerializer;

/// Why [`CfnResource::raw`] rejected its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RawResourceError {
    /// The type name is not `Organization::Service::Resource`.
    #[error(
        "`{0}` is not a resource type name: write it as `Organization::Service::Resource` \
         (`AWS::SNS::Topic`), a registry module as `Organization::Service::Name::MODULE`, a \
         custom resource as `Custom::Name`; each part starts with a letter and holds only letters \
         and digits"
    )]
    TypeName(String),
    /// The properties are not a JSON object.
    #[error(
        "the properties of a `{type_name}` resource must be a JSON object of property names \
         (`json!({{\"Name\": \"value\"}})`), not {found}"
    )]
    NotAnObject {
        /// The resource type.
        type_name: &'static str,
        /// What the properties were: `an array`, `a string`, an intrinsic function, ...
        found: &'static str,
    },
}

/// A resource whose type and properties Girder does not know: its type name and its properties
/// as JSON. Made by [`CfnResource::raw`]; see [the module docs](self).
#[derive(Clone, Debug, PartialEq)]
pub struct RawResource {
    type_name: &'static str,
    properties: BTreeMap<String, Json>,
}

impl RawResource {
    /// The resource type, e.g. `AWS::SNS::Topic`.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// The properties.
    pub fn properties(&self) -> &BTreeMap<String, Json> {
        &self.properties
    }

    /// Sets one property (replacing any value it had).
    #[must_use]
    pub fn property(mut self, name: impl Into<String>, value: impl Into<Json>) -> Self {
        self.properties.insert(name.into(), value.into());
        self
    }
}

impl CfnResource {
    /// An untyped resource of type `type_name` with `properties`, a JSON object (a
    /// `serde_json::Value`, or a [`Json`] whose values may hold intrinsic functions): the escape
    /// hatch for a type newer than the schemas Girder's typed resources are generated from.
    /// See [`crate::raw`].
    ///
    /// # Errors
    ///
    /// [`RawResourceError::TypeName`] when `type_name` is not `Organization::Service::Resource`
    /// (or `…::MODULE`, `Custom::Name`); [`RawResourceError::NotAnObject`] when `properties` is
    /// not an object.
    pub fn raw(
        type_name: &'static str,
        properties: impl Into<Json>,
    ) -> Result<RawResource, RawResourceError> {
        if !valid_type_name(type_name) {
            return Err(RawResourceError::TypeName(type_name.to_owned()));
        }
        let not_an_object = |found| RawResourceError::NotAnObject { type_name, found };
        let properties = match properties.into() {
            Json::Object(map) => map,
            Json::Plain(serde_json::Value::Object(map)) => {
                map.into_iter().map(|(k, v)| (k, Json::Plain(v))).collect()
            }
            Json::Plain(serde_json::Value::Array(_)) | Json::Array(_) => {
                return Err(not_an_object("an array"));
            }
            Json::Plain(serde_json::Value::Null) => return Err(not_an_object("null")),
            Json::Plain(serde_json::Value::String(_)) => return Err(not_an_object("a string")),
            Json::Plain(serde_json::Value::Number(_)) => return Err(not_an_object("a number")),
            Json::Plain(serde_json::Value::Bool(_)) => return Err(not_an_object("a boolean")),
            Json::Expr(_) => return Err(not_an_object("an intrinsic function")),
            Json::Policy(_) => return Err(not_an_object("a policy document")),
        };
        Ok(RawResource {
            type_name,
            properties,
        })
    }
}

/// `Org::Service::Resource`, `Org::Service::Name::MODULE` or `Custom::Name`, each part a letter
/// followed by letters and digits.
fn valid_type_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split("::").collect();
    let part_ok = |p: &str| {
        p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && p.chars().all(|c| c.is_ascii_alphanumeric())
    };
    let shape = match parts.as_slice() {
        ["Custom", _] | [_, _, _] => true,
        [_, _, _, module] => *module == "MODULE",
        _ => false,
    };
    shape && parts.iter().all(|p| part_ok(p))
}

impl Serialize for RawResource {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.properties.serialize(serializer)
    }
}

impl Walk for RawResource {
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        self.properties.walk(f);
    }

    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        self.properties.walk_mut(f);
    }
}

impl ErasedProperties for RawResource {
    fn type_name(&self) -> &'static str {
        self.type_name
    }
    fn write(&self, serializer: &mut JsonSerializer<'_>) -> serde_json::Result<()> {
        self.serialize(serializer)
    }
    fn to_value(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }
    fn pick(
        &self,
        keys: Option<&[&str]>,
    ) -> serde_json::Result<serde_json::Map<String, serde_json::Value>> {
        crate::checks::pick(self, keys)
    }
    fn screen(&self) -> bool {
        crate::checks::screen(self)
    }
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        Walk::walk(self, f);
    }
    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        Walk::walk_mut(self, f);
    }
    fn clone_box(&self) -> Box<dyn ErasedProperties> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl From<RawResource> for Entry<RawResource> {
    fn from(properties: RawResource) -> Self {
        Entry::new_unchecked(properties)
    }
}

impl From<RawResource> for ResourceEntry {
    fn from(properties: RawResource) -> Self {
        Entry::from(properties).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn type_names_are_checked() {
        for good in [
            "AWS::SNS::Topic",
            "Alexa::ASK::Skill",
            "Acme::Ops::Widget2",
            "Acme::Ops::Widget::MODULE",
            "Custom::Thing",
        ] {
            assert!(valid_type_name(good), "{good}");
        }
        for bad in [
            "",
            "SNS::Topic",
            "AWS::SNS::",
            "AWS::SNS::Top-ic",
            "AWS::SNS::Topic::Extra",
            "AWS:SNS:Topic",
            "AWS::SNS::1Topic",
            "AWS::SNS::Topic ",
        ] {
            assert!(!valid_type_name(bad), "{bad:?}");
            let error = CfnResource::raw(bad, json!({})).expect_err(bad);
            assert_eq!(error, RawResourceError::TypeName(bad.to_owned()));
        }
    }

    #[test]
    fn properties_must_be_an_object() {
        let error = CfnResource::raw("AWS::SNS::Topic", json!(["a"])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the properties of a `AWS::SNS::Topic` resource must be a JSON object of property \
             names (`json!({\"Name\": \"value\"})`), not an array"
        );
        let error = CfnResource::raw("AWS::SNS::Topic", "x").unwrap_err();
        assert!(error.to_string().ends_with("not a string"), "{error}");
    }

    #[test]
    fn properties_serialize_sorted_with_intrinsics() {
        let topic = CfnResource::raw(
            "AWS::SNS::Topic",
            json!({"TopicName": "a", "DisplayName": "b"}),
        )
        .expect("valid")
        .property("FifoTopic", Json::from(crate::Pseudo::region()));
        assert_eq!(
            serde_json::to_value(&topic).expect("serializes"),
            json!({"DisplayName": "b", "FifoTopic": {"Ref": "AWS::Region"}, "TopicName": "a"})
        );
        let mut count = 0;
        Walk::walk(&topic, &mut |_: &Intrinsic| count += 1);
        assert_eq!(count, 1);
        assert_eq!(ResourceEntry::from(topic).type_name(), "AWS::SNS::Topic");
    }
}
