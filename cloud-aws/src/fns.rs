//! Typed intrinsic functions: each returns an [`Expr`] of the type CloudFormation computes.
//!
//! ```
//! use girder_aws::fns::{self, select, get_azs, join, sub};
//! use girder_aws::{Expr, Pseudo, Value};
//!
//! // {"Fn::Select": [0, {"Fn::GetAZs": ""}]}: the first availability zone, a String.
//! let az: Expr<String> = select(0, get_azs(""));
//! // {"Fn::Join": ["-", ["shop", {"Ref": "AWS::Region"}]]}
//! let name: Expr<String> = join("-", ["shop".into(), Pseudo::region().into()]);
//! // {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${Name}/*", {"Name": ..}]}
//! let arn: Expr<String> = sub("arn:${AWS::Partition}:s3:::${Name}/*").var("Name", name).into();
//! assert_eq!(
//!     serde_json::to_string(&az).unwrap(),
//!     r#"{"Fn::Select":[0,{"Fn::GetAZs":""}]}"#
//! );
//! # let _ = arn;
//! ```
//!
//! Condition functions (`Fn::Equals`, `Fn::And`, ...) build a [`Cond`](crate::Cond), which only a
//! template's `Conditions` section accepts; `Fn::If` takes a [`ConditionRef`] returned when the
//! condition was declared. Dynamic references (`{{resolve:...}}`) are built by
//! [`DynamicReference`](crate::DynamicReference).

use std::collections::BTreeMap;

use crate::condition::ConditionRef;
use crate::intrinsic::{Intrinsic, Pseudo, RefTarget};
use crate::json::Json;
use crate::template::MappingRef;
use crate::value::{Expr, JsonLiteral, Value};

fn boxed<T: JsonLiteral>(value: Value<T>) -> Box<Json> {
    Box::new(Json::from(value))
}

impl Pseudo {
    fn expr<T>(self) -> Expr<T> {
        Expr::new(Intrinsic::Ref(RefTarget::Pseudo(self)))
    }

    /// `{"Ref": "AWS::AccountId"}`.
    pub fn account_id() -> Expr<String> {
        Pseudo::AccountId.expr()
    }

    /// `{"Ref": "AWS::NotificationARNs"}`.
    pub fn notification_arns() -> Expr<Vec<String>> {
        Pseudo::NotificationArns.expr()
    }

    /// `{"Ref": "AWS::NoValue"}`: as the value of a property (typically one branch of
    /// [`if_`]), removes the property.
    pub fn no_value<T>() -> Expr<T> {
        Pseudo::NoValue.expr()
    }

    /// `{"Ref": "AWS::Partition"}`.
    pub fn partition() -> Expr<String> {
        Pseudo::Partition.expr()
    }

    /// `{"Ref": "AWS::Region"}`.
    pub fn region() -> Expr<String> {
        Pseudo::Region.expr()
    }

    /// `{"Ref": "AWS::StackId"}`.
    pub fn stack_id() -> Expr<String> {
        Pseudo::StackId.expr()
    }

    /// `{"Ref": "AWS::StackName"}`.
    pub fn stack_name() -> Expr<String> {
        Pseudo::StackName.expr()
    }

    /// `{"Ref": "AWS::URLSuffix"}`.
    pub fn url_suffix() -> Expr<String> {
        Pseudo::UrlSuffix.expr()
    }
}

/// `{"Fn::Join": [<delimiter>, [<parts>..]]}`.
///
/// ```
/// use girder_aws::{fns::join, Pseudo};
/// let host = join(".", ["api".into(), Pseudo::region().into(), "example.com".into()]);
/// # let _ = host;
/// ```
pub fn join(delimiter: &str, parts: impl IntoIterator<Item = Value<String>>) -> Expr<String> {
    let parts = parts.into_iter().map(Json::from).collect();
    Expr::new(Intrinsic::Join {
        delimiter: delimiter.to_owned(),
        values: Box::new(Json::Array(parts)),
    })
}

/// `{"Fn::Join": [<delimiter>, <list>]}` for a list computed at deploy time.
pub fn join_list(delimiter: &str, list: Expr<Vec<String>>) -> Expr<String> {
    Expr::new(Intrinsic::Join {
        delimiter: delimiter.to_owned(),
        values: Box::new(Json::from(list)),
    })
}

/// `{"Fn::Select": [<index>, <list>]}`: the element at `index` (from 0).
pub fn select<T: JsonLiteral>(
    index: impl Into<Value<i64>>,
    list: impl Into<Value<Vec<T>>>,
) -> Expr<T> {
    Expr::new(Intrinsic::Select {
        index: boxed(index.into()),
        list: boxed(list.into()),
    })
}

/// `{"Fn::Split": [<delimiter>, <source>]}`.
pub fn split(delimiter: &str, source: impl Into<Value<String>>) -> Expr<Vec<String>> {
    Expr::new(Intrinsic::Split {
        delimiter: delimiter.to_owned(),
        source: boxed(source.into()),
    })
}

/// `{"Fn::GetAZs": <region>}`: the availability zones of `region`; `""` means the stack's region.
pub fn get_azs(region: impl Into<Value<String>>) -> Expr<Vec<String>> {
    Expr::new(Intrinsic::GetAzs(boxed(region.into())))
}

/// `{"Fn::ImportValue": <export name>}`: the value another stack of the same account and region
/// exports. References between Girder stacks become imports on their own
/// (see [`crate::stack`]); this is for exports of stacks Girder does not manage.
pub fn import_value(export_name: impl Into<Value<String>>) -> Expr<String> {
    Expr::new(Intrinsic::ImportValue(boxed(export_name.into())))
}

/// `{"Fn::If": [<condition>, <then>, <otherwise>]}`.
///
/// ```
/// use girder_aws::{fns::if_, AwsEnvironment, CloudAssembly, Cond, Expr, Pseudo, Value};
/// let mut app = CloudAssembly::new();
/// let env = AwsEnvironment::new("123456789012", "eu-west-1").unwrap();
/// let stack = app.stack(&env, "shop");
/// let is_prod = stack.add_condition("IsProd", Cond::equals(Pseudo::account_id(), "123456789012"));
/// let size = if_::<String>(&is_prod, "db.r6g.large", "db.t4g.micro");
/// let retention: Expr<i64> = if_(&is_prod, Value::from(30), Pseudo::no_value());
/// # let _ = (size, retention);
/// ```
pub fn if_<T: JsonLiteral>(
    condition: &ConditionRef,
    then: impl Into<Value<T>>,
    otherwise: impl Into<Value<T>>,
) -> Expr<T> {
    Expr::new(Intrinsic::If {
        condition: condition.target().clone(),
        then: boxed(then.into()),
        otherwise: boxed(otherwise.into()),
    })
}

/// `{"Fn::Base64": <value>}` (EC2 user data).
pub fn base64(value: impl Into<Value<String>>) -> Expr<String> {
    Expr::new(Intrinsic::Base64(boxed(value.into())))
}

/// `{"Fn::Cidr": [<ip block>, <count>, <cidr bits>]}`: `count` (1 to 256) CIDR blocks of
/// `cidr_bits` host bits carved out of `ip_block`.
pub fn cidr(
    ip_block: impl Into<Value<String>>,
    count: impl Into<Value<i64>>,
    cidr_bits: impl Into<Value<i64>>,
) -> Expr<Vec<String>> {
    Expr::new(Intrinsic::Cidr {
        ip_block: boxed(ip_block.into()),
        count: boxed(count.into()),
        cidr_bits: boxed(cidr_bits.into()),
    })
}

/// `{"Fn::FindInMap": [<mapping>, <top key>, <second key>]}`, typed by the mapping's values.
pub fn find_in_map<T>(
    mapping: &MappingRef<T>,
    top_level_key: impl Into<Value<String>>,
    second_level_key: impl Into<Value<String>>,
) -> Expr<T> {
    Expr::new(Intrinsic::FindInMap {
        mapping: mapping.target().clone(),
        top_level_key: boxed(top_level_key.into()),
        second_level_key: boxed(second_level_key.into()),
    })
}

/// `{"Fn::Sub": ..}`: starts a string with `${Name}` placeholders; give each name that is not a
/// pseudo parameter (`${AWS::Region}`) a value with [`Sub::var`]. `${!Literal}` writes
/// `${Literal}`.
///
/// Synthesis reports a placeholder without a value: referring to a resource or parameter by its
/// name inside the string would bypass the typed references.
pub fn sub(template: impl Into<String>) -> Sub {
    Sub {
        template: template.into(),
        variables: BTreeMap::new(),
    }
}

/// An `Fn::Sub` being built; converts into an [`Expr<String>`] or a [`Value<String>`].
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct Sub {
    template: String,
    variables: BTreeMap<String, Json>,
}

impl Sub {
    /// Gives the placeholder `${name}` a value.
    pub fn var(mut self, name: impl Into<String>, value: impl Into<Value<String>>) -> Self {
        self.variables.insert(name.into(), Json::from(value.into()));
        self
    }

    /// The finished expression.
    pub fn expr(self) -> Expr<String> {
        Expr::new(Intrinsic::Sub {
            template: self.template,
            variables: self.variables,
        })
    }
}

impl From<Sub> for Expr<String> {
    fn from(sub: Sub) -> Self {
        sub.expr()
    }
}

impl From<Sub> for Value<String> {
    fn from(sub: Sub) -> Self {
        Value::Expr(sub.expr())
    }
}

/// The placeholders of an `Fn::Sub` string, without `${!..}` escapes. `Err` carries the
/// position of a `${` that is never closed.
pub(crate) fn sub_placeholders(template: &str) -> Result<Vec<&str>, usize> {
    let mut names = Vec::new();
    let mut rest = template;
    let mut offset = 0;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(offset + start);
        };
        let name = &after[..end];
        if !name.starts_with('!') {
            names.push(name);
        }
        let consumed = start + 2 + end + 1;
        offset += consumed;
        rest = &rest[consumed..];
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sub_placeholders() {
        assert_eq!(
            sub_placeholders("a${A}b${!Literal}${AWS::Region}"),
            Ok(vec!["A", "AWS::Region"])
        );
        assert_eq!(sub_placeholders("plain"), Ok(vec![]));
        assert_eq!(sub_placeholders("x${Open"), Err(1));
    }
}
