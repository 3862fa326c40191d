//! Secrets in CloudFormation output: every string of a resource as it is written into its
//! template, checked with [`girder_core::secrets`].
//!
//! Each resource is read from the text synthesis wrote for it (after aspects, with its
//! references resolved), with `serde_json`'s parser and no tree built; what is found comes out
//! as [`Synthesis::secrets`](crate::Synthesis::secrets). A string is checked against its
//! property's name, and a `Value` against its sibling `Name` or `Key` (an SSM parameter, a
//! tag, a container's environment). A literal hidden in an intrinsic is put back together
//! first: the parts of an `Fn::Join` are joined (what is not a literal stands as `${…}`, a
//! reference) and the literal variables of an `Fn::Sub` are put into its template, so that
//! `["postgres://app:", "hunter2", "@db"]` is the URL with a password it becomes. Logical IDs
//! (`Ref`, `Fn::GetAtt`, `DependsOn`, `Condition`) are names, not values, and are skipped.
//!
//! A literal string in a property that always holds a secret (`MasterUserPassword`,
//! `SecretString`, … — [`crate::dynamic::SECRET_PROPERTIES`]) is reported by the limits
//! check of the resource itself, which needs no construct path; this pass reports every other
//! finding, and those properties' values when an intrinsic wraps them.
//!
//! ```
//! use girder_core::secrets::Suspicion;
//!
//! let text = br#""Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/shop/db-password", "Type": "String", "Value": {"Fn::Join": ["", ["hun", "ter2"]]}}}"#;
//! let found = girder_aws::secrets::scan("AWS::SSM::Parameter", "Param", text);
//! assert_eq!(found[0].field, "Properties.Value.Fn::Join");
//! assert_eq!(found[0].suspicion, Suspicion::Name("password"));
//! ```

use std::borrow::Cow;
use std::fmt;

use girder_core::secrets::{Finding, Suspicion, check_named, check_value};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::dynamic::SECRET_PROPERTIES;

/// What to use instead of a literal secret in a template.
pub const HINT: &str = "keep the secret in Secrets Manager (`AwsSecret`, which can generate it) and refer to it: a dynamic reference `{{resolve:secretsmanager:…}}` (`DynamicReference::secrets_manager`) or `{{resolve:ssm-secure:…}}`, read by CloudFormation at deploy time";

/// Properties whose names look secret but hold settings, as `type` and name.
const SETTINGS: &[(&str, &str)] = &[
    // `required` or `optional`: whether instance metadata needs a session token (IMDSv2).
    ("AWS::EC2::LaunchTemplate", "HttpTokens"),
];

/// Keys whose strings are logical IDs or attribute names.
const NAMES: &[&str] = &["Ref", "Fn::GetAtt", "DependsOn", "Condition", "Type"];

/// Checks one resource written as `text` (`"Id": {"Type": …, "Properties": …}` as synthesis
/// writes it), of type `type_name` and logical ID `id`.
pub fn scan(type_name: &'static str, id: &str, text: &[u8]) -> Vec<Finding> {
    let Some(start) = text.iter().position(|&b| b == b'{') else {
        return Vec::new();
    };
    let mut walker = Walker {
        type_name,
        id,
        path: Vec::new(),
        found: Vec::new(),
    };
    let mut reader = serde_json::Deserializer::from_slice(&text[start..]);
    // The text is what the serializer wrote: it parses. Were it not to, nothing is reported.
    let _ = Node {
        walker: &mut walker,
        name: None,
    }
    .deserialize(&mut reader);
    walker.found
}

struct Walker<'a, 'de> {
    type_name: &'static str,
    id: &'a str,
    path: Vec<Seg<'de>>,
    found: Vec<Finding>,
}

/// A step of the path to a value: a key, or an index in a list.
enum Seg<'de> {
    Key(Cow<'de, str>),
    Index(usize),
}

impl Seg<'_> {
    fn is(&self, key: &str) -> bool {
        matches!(self, Seg::Key(k) if k == key)
    }
}

impl<'de> Walker<'_, 'de> {
    fn field(&self) -> String {
        let mut field = String::new();
        for seg in &self.path {
            match seg {
                Seg::Index(i) => field.push_str(&format!("[{i}]")),
                Seg::Key(key) => {
                    if !field.is_empty() {
                        field.push('.');
                    }
                    field.push_str(key);
                }
            }
        }
        field
    }

    /// Whether the value at the current path is a property [`SECRET_PROPERTIES`] checks.
    fn checked_by_limits(&self) -> bool {
        let Some((_, pointers)) = SECRET_PROPERTIES.iter().find(|(t, _)| *t == self.type_name)
        else {
            return false;
        };
        pointers.iter().any(|pointer| {
            let mut segments = pointer.trim_start_matches('/').split('/');
            let mut path = self.path.iter();
            path.next().is_some_and(|p| p.is("Properties"))
                && path
                    .by_ref()
                    .zip(segments.by_ref())
                    .all(|(p, s)| p.is(s) || (s == "*" && matches!(p, Seg::Index(_))))
                && path.next().is_none()
                && segments.next().is_none()
        })
    }

    /// Checks a string that is the value at the current path, stored under `name`.
    fn string(&mut self, name: Option<&str>, value: &str, plain: bool) {
        if plain && self.checked_by_limits() {
            return;
        }
        if let Some(name) = name
            && SETTINGS
                .iter()
                .any(|(t, n)| *n == name && *t == self.type_name)
        {
            return;
        }
        let suspicion = match name {
            Some(name) => check_named(name, value),
            None => check_value(value),
        };
        if let Some(suspicion) = suspicion {
            self.report(name, suspicion);
        }
    }

    fn report(&mut self, name: Option<&str>, suspicion: Suspicion) {
        self.found.push(Finding {
            object: format!("{} {}", self.type_name, self.id),
            field: self.field(),
            name: name.map(str::to_owned),
            suspicion,
            hint: HINT,
        });
    }
}

/// A key or string, borrowed from the text where it has no escapes.
struct Text;

impl<'de> DeserializeSeed<'de> for Text {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Text {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

/// Any value, walked; a string is returned (for `Fn::Join` and `Fn::Sub`), once checked when
/// `name` says under what it is stored.
struct Node<'w, 'a, 'de> {
    walker: &'w mut Walker<'a, 'de>,
    /// The name the value is stored under; `None` for the parts of an intrinsic, which are
    /// checked once put together.
    name: Option<Cow<'de, str>>,
}

/// What a walked value was: a literal string, or anything else.
enum Walked<'de> {
    Literal(Cow<'de, str>),
    Other,
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_, 'de> {
    type Value = Walked<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Node<'_, '_, 'de> {
    fn literal(self, value: Cow<'de, str>) -> Walked<'de> {
        if let Some(name) = &self.name {
            self.walker.string(Some(name), &value, true);
        }
        Walked::Literal(value)
    }
}

impl<'de> Visitor<'de> for Node<'_, '_, 'de> {
    type Value = Walked<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(self.literal(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.literal(Cow::Owned(v.to_owned())))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Walked::Other)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Walked::Other)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Walked::Other)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Walked::Other)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Walked::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut i = 0usize;
        loop {
            self.walker.path.push(Seg::Index(i));
            let item = seq.next_element_seed(Node {
                walker: &mut *self.walker,
                name: self.name.clone(),
            });
            self.walker.path.pop();
            if item?.is_none() {
                return Ok(Walked::Other);
            }
            i += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // A `Value` is checked against its sibling `Name` or `Key`, written before it.
        let mut sibling: Option<Cow<'de, str>> = None;
        while let Some(key) = map.next_key_seed(Text)? {
            if NAMES.contains(&key.as_ref()) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            self.walker.path.push(Seg::Key(key.clone()));
            let node = |walker, name| Node { walker, name };
            let assembled = match key.as_ref() {
                "Fn::Join" => map.next_value_seed(Join {
                    node: node(&mut *self.walker, None),
                })?,
                "Fn::Sub" => map.next_value_seed(Sub {
                    node: node(&mut *self.walker, None),
                })?,
                "Value" | "value" => {
                    let name = sibling.clone().unwrap_or(key.clone());
                    map.next_value_seed(node(&mut *self.walker, Some(name)))?;
                    None
                }
                _ => {
                    let walked = map.next_value_seed(node(&mut *self.walker, Some(key.clone())))?;
                    if let Walked::Literal(text) = walked
                        && matches!(key.as_ref(), "Name" | "Key" | "name" | "key")
                    {
                        sibling = Some(text);
                    }
                    None
                }
            };
            if let Some(text) = assembled {
                // What an intrinsic puts together is checked under the name of the value it
                // stands for.
                self.walker.string(self.name.as_deref(), &text, false);
            }
            self.walker.path.pop();
        }
        Ok(Walked::Other)
    }
}

/// The placeholder of what is not a literal in an intrinsic: a reference.
const REFERENCE: &str = "${ref}";

/// `Fn::Join`'s `[delimiter, [parts]]`: the joined string, references as [`REFERENCE`].
struct Join<'w, 'a, 'de> {
    node: Node<'w, 'a, 'de>,
}

impl<'de> DeserializeSeed<'de> for Join<'_, '_, 'de> {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Join<'_, '_, 'de> {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[delimiter, [parts]]")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let walker = self.node.walker;
        let delimiter = match seq.next_element_seed(Node {
            walker: &mut *walker,
            name: None,
        })? {
            Some(Walked::Literal(d)) => d,
            _ => Cow::Borrowed(""),
        };
        let parts = seq.next_element_seed(Parts {
            walker: &mut *walker,
        })?;
        while seq
            .next_element_seed(Node {
                walker: &mut *walker,
                name: None,
            })?
            .is_some()
        {}
        Ok(parts.flatten().map(|parts| parts.join(delimiter.as_ref())))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.node.visit_map(map).map(|_| None)
    }
}

/// The parts of an `Fn::Join`.
struct Parts<'w, 'a, 'de> {
    walker: &'w mut Walker<'a, 'de>,
}

impl<'de> DeserializeSeed<'de> for Parts<'_, '_, 'de> {
    type Value = Option<Vec<Cow<'de, str>>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Parts<'_, '_, 'de> {
    type Value = Option<Vec<Cow<'de, str>>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of parts")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut parts = Vec::new();
        while let Some(part) = seq.next_element_seed(Node {
            walker: &mut *self.walker,
            name: None,
        })? {
            parts.push(match part {
                Walked::Literal(text) => text,
                Walked::Other => Cow::Borrowed(REFERENCE),
            });
        }
        Ok(Some(parts))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        // An intrinsic that makes the list: walked, nothing to join.
        Node {
            walker: self.walker,
            name: None,
        }
        .visit_map(map)
        .map(|_| None)
    }
}

/// `Fn::Sub`'s `template` or `[template, {variables}]`: the template with its literal
/// variables put in.
struct Sub<'w, 'a, 'de> {
    node: Node<'w, 'a, 'de>,
}

impl<'de> DeserializeSeed<'de> for Sub<'_, '_, 'de> {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Sub<'_, '_, 'de> {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a template, or [template, {variables}]")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let walker = self.node.walker;
        let template = match seq.next_element_seed(Node {
            walker: &mut *walker,
            name: None,
        })? {
            Some(Walked::Literal(t)) => t.into_owned(),
            _ => return Ok(None),
        };
        let variables = seq
            .next_element_seed(Variables {
                walker: &mut *walker,
            })?
            .unwrap_or_default();
        let mut text = template;
        for (name, value) in variables {
            text = text.replace(&format!("${{{name}}}"), &value);
        }
        Ok(Some(text))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.node.visit_map(map).map(|_| None)
    }
}

/// The variables of an `Fn::Sub`: the literal ones, by name; the others are walked.
struct Variables<'w, 'a, 'de> {
    walker: &'w mut Walker<'a, 'de>,
}

impl<'de> DeserializeSeed<'de> for Variables<'_, '_, 'de> {
    type Value = Vec<(Cow<'de, str>, Cow<'de, str>)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Variables<'_, '_, 'de> {
    type Value = Vec<(Cow<'de, str>, Cow<'de, str>)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of variables")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut literals = Vec::new();
        while let Some(key) = map.next_key_seed(Text)? {
            self.walker.path.push(Seg::Key(key.clone()));
            let value = map.next_value_seed(Node {
                walker: &mut *self.walker,
                name: None,
            });
            self.walker.path.pop();
            if let Walked::Literal(text) = value? {
                literals.push((key, text));
            }
        }
        Ok(literals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn found(type_name: &'static str, properties: serde_json::Value) -> Vec<(String, Suspicion)> {
        let text = format!(
            "\"Id\": {}",
            json!({"Type": type_name, "Properties": properties})
        );
        scan(type_name, "Id", text.as_bytes())
            .into_iter()
            .map(|f| (f.field, f.suspicion))
            .collect()
    }

    #[test]
    fn an_ssm_parameter_value_is_checked_against_its_name() {
        assert_eq!(
            found(
                "AWS::SSM::Parameter",
                json!({"Name": "/shop/db-password", "Type": "String", "Value": "hunter2"})
            ),
            [("Properties.Value".to_owned(), Suspicion::Name("password"))]
        );
        assert_eq!(
            found(
                "AWS::SSM::Parameter",
                json!({"Name": "/shop/log-level", "Type": "String", "Value": "info"})
            ),
            []
        );
    }

    #[test]
    fn join_and_sub_are_put_together_before_they_are_checked() {
        assert_eq!(
            found(
                "AWS::ECS::TaskDefinition",
                json!({"ContainerDefinitions": [{"Environment": [{"Name": "DATABASE_URL", "Value": {
                    "Fn::Join": ["", ["postgres://app:", "hunter2", "@", {"Fn::GetAtt": ["Db", "Endpoint.Address"]}, "/app"]]
                }}]}]})
            ),
            [(
                "Properties.ContainerDefinitions[0].Environment[0].Value.Fn::Join".to_owned(),
                Suspicion::UrlPassword
            )]
        );
        assert_eq!(
            found(
                "AWS::RDS::DBInstance",
                json!({"MasterUserPassword": {"Fn::Sub": ["${A}${B}", {"A": "hun", "B": "ter2"}]}})
            ),
            [(
                "Properties.MasterUserPassword.Fn::Sub".to_owned(),
                Suspicion::Name("password")
            )]
        );
        assert_eq!(
            found(
                "AWS::RDS::DBInstance",
                json!({"MasterUserPassword": {"Fn::Join": ["", [{"Ref": "Password"}]]}})
            ),
            []
        );
        assert_eq!(
            found(
                "AWS::IAM::Role",
                json!({"ManagedPolicyArns": [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonEKSClusterPolicy"}]})
            ),
            []
        );
    }

    #[test]
    fn plain_secret_properties_are_left_to_the_limits_check() {
        assert_eq!(
            found(
                "AWS::RDS::DBInstance",
                json!({"MasterUserPassword": "hunter2"})
            ),
            []
        );
        assert_eq!(
            found(
                "AWS::Lambda::Function",
                json!({"Environment": {"Variables": {"API_TOKEN": "hunter2"}}})
            ),
            [(
                "Properties.Environment.Variables.API_TOKEN".to_owned(),
                Suspicion::Name("token")
            )]
        );
    }

    #[test]
    fn logical_ids_and_settings_are_not_values() {
        assert_eq!(
            found(
                "AWS::EC2::LaunchTemplate",
                json!({"LaunchTemplateData": {"MetadataOptions": {"HttpTokens": "required"}},
                    "X": {"Ref": "Svc495FilesBucket71b1d38bZq8K"}})
            ),
            []
        );
        assert_eq!(
            found(
                "AWS::S3::Bucket",
                json!({"Tags": [{"Key": "ghp", "Value": "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"}]})
            ),
            [(
                "Properties.Tags[0].Value".to_owned(),
                Suspicion::Format("a GitHub token")
            )]
        );
    }
}
