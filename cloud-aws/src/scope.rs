//! AWS scopes in the construct tree: an environment's account and region ([`Aws`]), and the
//! CloudFormation stacks constructs are created in ([`AwsStack`]).
//!
//! ```
//! use girder_aws::{AwsExt, InStack};
//! use girder_core::App;
//!
//! girder_core::environment!(pub Prod = "prod");
//!
//! let app = App::new("shop");
//! let data = app.environment(Prod).aws("123456789012", "eu-west-1").stack("data");
//! assert_eq!(data.stack().address().name(), "shop-prod-data");
//! ```
//!
//! A construct renders [`CfnResource`] artifacts; the synthesizer files them into their stacks
//! and writes `<env>/cfn/<stack>.template.json`.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use girder_core::{
    App, Construct, Context, Diagnostic, Emitted, Environment, EnvironmentName, Handle, NodeId,
    Path,
};

use crate::address::{AwsEnvironment, StackAddress};
use crate::entry::ResourceEntry;
use crate::intrinsic::ResourceTarget;
use crate::logical_id::LogicalId;
use crate::resource::ResourceRef;

/// The account and region an environment deploys its AWS resources to.
pub struct Aws<E> {
    env: Environment<E>,
    node: NodeId,
    aws: AwsEnvironment,
}

impl<E> Clone for Aws<E> {
    fn clone(&self) -> Self {
        Aws {
            env: self.env.clone(),
            node: self.node,
            aws: self.aws.clone(),
        }
    }
}

impl<E: EnvironmentName> fmt::Debug for Aws<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Aws({}: {}/{})",
            E::NAME,
            self.aws.account(),
            self.aws.region()
        )
    }
}

/// Gives every [`Environment`] its AWS account and region.
pub trait AwsExt<E> {
    /// The environment's AWS side in `account` and `region` (e.g. `"eu-west-1"`), whose
    /// templates go to `<env>/cfn/`. An invalid account or region, or a second call with other
    /// values, is reported at synth.
    fn aws(&self, account: &str, region: &str) -> Aws<E>;
}

/// The model of an environment's AWS side: it renders nothing.
#[derive(Debug)]
pub struct AwsSpec {
    aws: AwsEnvironment,
}

impl Construct for AwsSpec {
    fn kind(&self) -> &'static str {
        "Aws"
    }

    fn render(&self, _cx: &Context<'_>, _out: &mut Emitted) {}
}

impl<E: EnvironmentName> AwsExt<E> for Environment<E> {
    fn aws(&self, account: &str, region: &str) -> Aws<E> {
        let app = self.app();
        let path = format!("{}/aws", E::NAME);
        let aws = match AwsEnvironment::new(account, region) {
            Ok(aws) => aws,
            Err(err) => {
                app.report(
                    Diagnostic::error(path.as_str(), err.to_string())
                        .hint("an account is 12 digits, a region a name such as `eu-west-1`"),
                );
                AwsEnvironment::placeholder()
            }
        };
        let existing = app
            .child(self.node(), "aws")
            .and_then(|n| app.handle::<AwsSpec>(n));
        let node = match existing {
            Some(handle) => {
                let first = handle.read(|s| s.aws.clone());
                if first != aws {
                    app.report(
                        Diagnostic::error(
                            path.as_str(),
                            format!(
                                "environment `{}` is mapped to {}/{} and to {account}/{region}",
                                E::NAME,
                                first.account(),
                                first.region()
                            ),
                        )
                        .hint("an environment deploys to one account and region: call `aws(..)` once and reuse it"),
                    );
                }
                handle.node()
            }
            None => app
                .add(self.node(), "aws", AwsSpec { aws: aws.clone() })
                .node(),
        };
        Aws {
            env: self.clone(),
            node,
            aws,
        }
    }
}

impl<E: EnvironmentName> Aws<E> {
    /// The CloudFormation stack `id` of this environment, created on first use; its stack name
    /// is `<app>-<env>-<id>`.
    pub fn stack(&self, id: &str) -> AwsStack<E> {
        let app = self.env.app();
        let existing = app
            .child(self.node, id)
            .and_then(|n| app.handle::<StackSpec>(n));
        let handle = existing.unwrap_or_else(|| {
            let name = format!("{}-{}-{id}", app.name(), E::NAME);
            let address = Arc::new(StackAddress::new(&self.aws, name));
            app.add(self.node, id, StackSpec { address })
        });
        let address = handle.read(|s| s.address.clone());
        AwsStack {
            handle,
            address,
            aws: self.aws.clone(),
            _env: PhantomData,
        }
    }

    /// The account and region.
    pub fn environment(&self) -> &AwsEnvironment {
        &self.aws
    }

    /// The app.
    pub fn app(&self) -> &App {
        self.env.app()
    }
}

/// The model of a stack: it renders nothing itself; its constructs' resources land in it.
#[derive(Debug)]
pub struct StackSpec {
    address: Arc<StackAddress>,
}

impl Construct for StackSpec {
    fn kind(&self) -> &'static str {
        "Stack"
    }

    fn render(&self, _cx: &Context<'_>, _out: &mut Emitted) {}
}

/// A CloudFormation stack of environment `E`: the scope AWS constructs are created in.
pub struct AwsStack<E> {
    handle: Handle<StackSpec>,
    address: Arc<StackAddress>,
    aws: AwsEnvironment,
    _env: PhantomData<fn() -> E>,
}

impl<E> Clone for AwsStack<E> {
    fn clone(&self) -> Self {
        AwsStack {
            handle: self.handle.clone(),
            address: self.address.clone(),
            aws: self.aws.clone(),
            _env: PhantomData,
        }
    }
}

impl<E: EnvironmentName> fmt::Debug for AwsStack<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AwsStack({})", self.address)
    }
}

impl<E: EnvironmentName> AwsStack<E> {
    /// The stack's account, region and name.
    pub fn address(&self) -> &Arc<StackAddress> {
        &self.address
    }

    /// The account and region.
    pub fn environment(&self) -> &AwsEnvironment {
        &self.aws
    }

    /// The stack's node, the parent of the constructs created in it.
    pub fn node(&self) -> NodeId {
        self.handle.node()
    }

    /// The app.
    pub fn app(&self) -> &App {
        self.handle.app()
    }

    /// The logical ID of the resource `name` of the construct at `path` (a path below this
    /// stack): the path's segments below the stack, then `name` (see [`LogicalId::from_path`]).
    pub fn logical_id(&self, path: &Path, name: &str) -> LogicalId {
        let stack_path = self.handle.path();
        let below = path
            .as_str()
            .strip_prefix(stack_path.as_str())
            .unwrap_or(path.as_str())
            .trim_start_matches('/');
        LogicalId::from_path(below.split('/').filter(|s| !s.is_empty()), name)
    }

    /// A typed reference to the resource `id` of this stack (which a construct emits).
    pub fn reference<R>(&self, id: &LogicalId) -> ResourceRef<R> {
        ResourceRef::new(ResourceTarget::new(self.address.clone(), id.clone()))
    }
}

/// A scope AWS constructs can be created in: an [`AwsStack`].
#[diagnostic::on_unimplemented(
    message = "AWS resources are created inside a CloudFormation stack, and `{Self}` is not one",
    label = "expected `&AwsStack<_>`",
    note = "get a stack of the environment, e.g. `let data = env.aws(\"123456789012\", \"eu-west-1\").stack(\"data\");`, and pass `&data`; a Kubernetes namespace cannot hold AWS resources"
)]
pub trait InStack {
    /// The environment type.
    type Env: EnvironmentName;
    /// The stack.
    fn stack(&self) -> &AwsStack<Self::Env>;
}

impl<E: EnvironmentName> InStack for AwsStack<E> {
    type Env = E;
    fn stack(&self) -> &AwsStack<E> {
        self
    }
}

/// The artifact an AWS construct emits: one resource for one stack.
#[derive(Debug)]
pub struct CfnResource {
    /// The stack it belongs to.
    pub stack: Arc<StackAddress>,
    /// Its logical ID.
    pub id: LogicalId,
    /// The resource.
    pub entry: ResourceEntry,
}

impl girder_core::Artifact for CfnResource {
    const WHAT: &'static str = "CloudFormation resource";
}

/// The program's aspects of `CfnResource` visit every resource as AWS constructs emit it.
impl girder_core::Visitable for CfnResource {}

impl CfnResource {
    /// `entry` as the resource `id` of `stack`.
    pub fn new(stack: &Arc<StackAddress>, id: LogicalId, entry: impl Into<ResourceEntry>) -> Self {
        CfnResource {
            stack: stack.clone(),
            id,
            entry: entry.into(),
        }
    }
}
