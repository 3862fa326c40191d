//! [`Network`]: a VPC across availability zones, with public and private subnets.

use std::fmt;
use std::marker::PhantomData;

use girder_aws::ec2;
use girder_aws::fns::{get_azs, select};
use girder_aws::{CfnResource, Entry, Expr, InStack, ResourceRef};
use girder_core::cidr::{Cidr, CidrError};
use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle};

use super::{Accepted, Placement};

/// How private subnets reach the internet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Nat {
    /// One NAT gateway per availability zone (the default): a zone outage cuts only that zone.
    #[default]
    PerZone,
    /// One NAT gateway for all zones: cheaper, and a single point of failure.
    Single,
}

/// A VPC across 2 to 4 availability zones, each with a public subnet (load balancers, NAT
/// gateways) and a private subnet (nodes, databases, caches), secure by default:
/// * address plan fixed by the VPC's `/16`: public subnets are `/20`s from `x.y.0.0`, private
///   subnets `/19`s from `x.y.128.0`, so NetworkPolicies can name the private ranges at synth;
/// * public subnets do not assign public IPs on launch; private subnets route out through NAT;
/// * subnets tagged for EKS load balancers (`kubernetes.io/role/elb` and `internal-elb`).
///
/// ```
/// use girder_aws::AwsExt;
/// use girder_constructs::aws::Network;
///
/// girder_core::environment!(pub Prod = "prod");
/// let app = girder_core::App::new("shop");
/// let base = app.environment(Prod).aws("123456789012", "eu-west-1").stack("base");
/// let net = Network::new(&base, "net").availability_zones(3).build();
/// assert_eq!(net.private_cidrs()[0].to_string(), "10.0.128.0/19");
/// ```
pub struct Network<E> {
    handle: Handle<NetworkSpec>,
    vpc: ResourceRef<ec2::Vpc>,
    public: Vec<ResourceRef<ec2::Subnet>>,
    private: Vec<ResourceRef<ec2::Subnet>>,
    cidr: Option<Cidr>,
    private_cidrs: Vec<Cidr>,
    _env: PhantomData<fn() -> E>,
}

impl<E> Clone for Network<E> {
    fn clone(&self) -> Self {
        Network {
            handle: self.handle.clone(),
            vpc: self.vpc.clone(),
            public: self.public.clone(),
            private: self.private.clone(),
            cidr: self.cidr,
            private_cidrs: self.private_cidrs.clone(),
            _env: PhantomData,
        }
    }
}

impl<E> fmt::Debug for Network<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cidr {
            Some(cidr) => write!(f, "Network({}, {cidr})", self.handle.path()),
            None => write!(f, "Network({}, invalid range)", self.handle.path()),
        }
    }
}

/// The model of a [`Network`].
#[derive(Debug)]
pub struct NetworkSpec {
    /// The checkov checks accepted on its resources, with the reasons.
    accepted: Accepted,
    placement: Placement,
    /// The VPC's range as given (an error is reported at synth).
    cidr: Result<Cidr, CidrError>,
    zones: u8,
    nat: Nat,
}

/// The VPC range when none is given.
const DEFAULT_CIDR: &str = "10.0.0.0/16";

/// Whether `cidr` is an IPv4 `/16` of a private range: what the address plan splits.
fn is_private_16(cidr: &Cidr) -> bool {
    let private = match cidr.address() {
        std::net::IpAddr::V4(v4) => v4.is_private(),
        std::net::IpAddr::V6(_) => false,
    };
    private && cidr.prefix() == 16
}

/// The address plan of a VPC range: the `/20` of public subnet `zone` (from `x.y.0.0`) or the
/// `/19` of private subnet `zone` (from `x.y.128.0`). An invalid range was reported: the plan
/// of the default range stands in.
fn plan(cidr: &Result<Cidr, CidrError>, zones: u8, public: bool) -> Vec<Cidr> {
    let vpc = match cidr {
        Ok(cidr) if is_private_16(cidr) => Ok(*cidr),
        _ => DEFAULT_CIDR.parse::<Cidr>(),
    };
    let (prefix, first) = if public { (20, 0) } else { (19, 4) };
    (0..u32::from(zones))
        .filter_map(|zone| vpc.as_ref().ok()?.subnet(prefix, first + zone))
        .collect()
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon::bon]
impl<E: EnvironmentName> Network<E> {
    /// Starts a network with id `id` in `stack`.
    #[builder(start_fn = new, finish_fn = build, builder_type = NetworkBuilder)]
    pub fn create(
        #[builder(start_fn)] stack: &impl InStack<Env = E>,
        #[builder(start_fn, into)] id: String,
        /// The VPC's range, a private `/16` (default `10.0.0.0/16`), set with
        /// [`NetworkBuilder::cidr`].
        #[builder(field)]
        cidr: Option<Result<Cidr, CidrError>>,
        /// Availability zones, 2 to 4 (default 2; 3 for production is common).
        #[builder(default = 2)]
        availability_zones: u8,
        /// NAT gateways (default one per zone).
        #[builder(default)]
        nat: Nat,
    ) -> Network<E> {
        let stack = stack.stack();
        let app = stack.app();
        let placement = Placement::in_stack(stack, &id);
        let cidr = cidr.unwrap_or_else(|| DEFAULT_CIDR.parse());
        let zones = availability_zones.clamp(1, 4);
        let private_cidrs = plan(&cidr, zones, false);
        let vpc = placement.reference("Vpc");
        let public = (0..zones)
            .map(|i| placement.reference(&format!("Public{i}")))
            .collect();
        let private = (0..zones)
            .map(|i| placement.reference(&format!("Private{i}")))
            .collect();
        let handle = app.add(
            stack.node(),
            id,
            NetworkSpec {
                accepted: Accepted::default(),
                placement,
                cidr: cidr.clone(),
                zones: availability_zones,
                nat,
            },
        );
        Network {
            handle,
            vpc,
            public,
            private,
            cidr: cidr.ok(),
            private_cidrs,
            _env: PhantomData,
        }
    }
}

impl<'f1, E: EnvironmentName, I1: InStack<Env = E>, S: network_builder::State>
    NetworkBuilder<'f1, E, I1, S>
{
    /// The VPC's range, a private IPv4 `/16` such as `"10.20.0.0/16"` or a [`Cidr`] (default
    /// `10.0.0.0/16`). A malformed range, or one that is not a private `/16`, fails synth with
    /// the network's path.
    pub fn cidr(mut self, range: impl TryInto<Cidr, Error: Into<CidrError>>) -> Self {
        self.cidr = Some(range.try_into().map_err(Into::into));
        self
    }
}

impl<E: EnvironmentName> Network<E> {
    /// The VPC's ID.
    pub fn vpc_id(&self) -> Expr<String> {
        self.vpc.vpc_id()
    }

    /// The VPC's range, `None` if the one given is malformed (reported at synth).
    pub fn cidr(&self) -> Option<Cidr> {
        self.cidr
    }

    /// The private subnets' IDs, one per zone.
    pub fn private_subnet_ids(&self) -> Vec<Expr<String>> {
        self.private
            .iter()
            .map(ResourceRef::<ec2::Subnet>::subnet_id)
            .collect()
    }

    /// The public subnets' IDs, one per zone.
    pub fn public_subnet_ids(&self) -> Vec<Expr<String>> {
        self.public
            .iter()
            .map(ResourceRef::<ec2::Subnet>::subnet_id)
            .collect()
    }

    /// The private subnets' ranges, known at synth: what NetworkPolicies of pods that reach a
    /// database or cache in this network allow.
    pub fn private_cidrs(&self) -> &[Cidr] {
        &self.private_cidrs
    }

    /// How many availability zones it spans.
    pub fn availability_zones(&self) -> usize {
        self.private.len()
    }

    /// The construct's path, for messages.
    pub fn path(&self) -> String {
        self.handle.path().to_string()
    }
}

impl<E> crate::wiring::InEnvironment<E> for Network<E> {}

impl Construct for NetworkSpec {
    fn kind(&self) -> &'static str {
        "Network"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        let hint = "use a /16 of 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, e.g. `10.20.0.0/16`";
        match &self.cidr {
            Err(error) => diags.push(Diagnostic::error(path, error.to_string()).hint(hint)),
            Ok(cidr) if !is_private_16(cidr) => diags.push(
                Diagnostic::error(path, format!("`{cidr}` is not a private IPv4 /16")).hint(hint),
            ),
            Ok(_) => {}
        }
        if !(2..=4).contains(&self.zones) {
            diags.push(
                Diagnostic::error(path, format!("{} availability zones", self.zones)).hint(
                    "use 2 to 4 zones: EKS, RDS Multi-AZ and ElastiCache failover need at least 2",
                ),
            );
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        self.render_resources(cx, out);
        self.accepted.apply(&[], cx, out);
    }
}

impl NetworkSpec {
    /// Emits the construct's resources (`render` then writes what it accepts on them).
    fn render_resources(&self, _cx: &Context<'_>, out: &mut Emitted) {
        let p = &self.placement;
        let zones = self.zones.clamp(1, 4);
        let public_cidrs = plan(&self.cidr, zones, true);
        let private_cidrs = plan(&self.cidr, zones, false);
        let vpc_cidr = match &self.cidr {
            Ok(cidr) if is_private_16(cidr) => cidr.to_string(),
            _ => DEFAULT_CIDR.to_owned(),
        };
        let vpc: ResourceRef<ec2::Vpc> = p.reference("Vpc");
        let tag = |k: &str, v: &str| ec2::Tag::new(k, v);
        out.emit(CfnResource::new(
            &p.stack,
            p.id("Vpc"),
            Entry::new(
                ec2::Vpc::new()
                    .cidr_block(vpc_cidr.as_str())
                    .enable_dns_hostnames(true)
                    .enable_dns_support(true),
            ),
        ));
        let igw: ResourceRef<ec2::InternetGateway> = p.reference("Gateway");
        out.emit(CfnResource::new(
            &p.stack,
            p.id("Gateway"),
            Entry::new(ec2::InternetGateway::new()),
        ));
        out.emit(CfnResource::new(
            &p.stack,
            p.id("GatewayAttachment"),
            Entry::new(
                ec2::VpcGatewayAttachment::new(vpc.reference())
                    .internet_gateway_id(igw.reference()),
            ),
        ));
        let public_routes: ResourceRef<ec2::RouteTable> = p.reference("PublicRoutes");
        out.emit(CfnResource::new(
            &p.stack,
            p.id("PublicRoutes"),
            Entry::new(ec2::RouteTable::new(vpc.reference())),
        ));
        let attachment: ResourceRef<ec2::VpcGatewayAttachment> = p.reference("GatewayAttachment");
        out.emit(CfnResource::new(
            &p.stack,
            p.id("PublicDefaultRoute"),
            Entry::new(
                ec2::Route::new(public_routes.reference())
                    .destination_cidr_block("0.0.0.0/0")
                    .gateway_id(igw.reference()),
            )
            .depends_on(&attachment),
        ));
        for (i, (public_cidr, private_cidr)) in
            (0..zones).zip(public_cidrs.iter().zip(&private_cidrs))
        {
            let zone = select(u32::from(i), get_azs(""));
            let public: ResourceRef<ec2::Subnet> = p.reference(&format!("Public{i}"));
            out.emit(CfnResource::new(
                &p.stack,
                p.id(&format!("Public{i}")),
                Entry::new(
                    ec2::Subnet::new(vpc.reference())
                        .availability_zone(zone.clone())
                        .cidr_block(public_cidr.to_string())
                        .map_public_ip_on_launch(false)
                        .tags(vec![tag("kubernetes.io/role/elb", "1")]),
                ),
            ));
            out.emit(CfnResource::new(
                &p.stack,
                p.id(&format!("Public{i}Routes")),
                Entry::new(ec2::SubnetRouteTableAssociation::new(
                    public_routes.reference(),
                    public.reference(),
                )),
            ));
            let nat_zone = match self.nat {
                Nat::PerZone => i,
                Nat::Single => 0,
            };
            if nat_zone == i {
                let eip: ResourceRef<ec2::Eip> = p.reference(&format!("Nat{i}Address"));
                out.emit(CfnResource::new(
                    &p.stack,
                    p.id(&format!("Nat{i}Address")),
                    Entry::new(ec2::Eip::new().domain("vpc")).depends_on(&attachment),
                ));
                out.emit(CfnResource::new(
                    &p.stack,
                    p.id(&format!("Nat{i}")),
                    Entry::new(
                        ec2::NatGateway::new()
                            .allocation_id(eip.get_att::<String>("AllocationId"))
                            .subnet_id(public.reference()),
                    ),
                ));
            }
            let nat: ResourceRef<ec2::NatGateway> = p.reference(&format!("Nat{nat_zone}"));
            let private: ResourceRef<ec2::Subnet> = p.reference(&format!("Private{i}"));
            let routes: ResourceRef<ec2::RouteTable> = p.reference(&format!("Private{i}Routes"));
            out.emit(CfnResource::new(
                &p.stack,
                p.id(&format!("Private{i}")),
                Entry::new(
                    ec2::Subnet::new(vpc.reference())
                        .availability_zone(zone)
                        .cidr_block(private_cidr.to_string())
                        .map_public_ip_on_launch(false)
                        .tags(vec![tag("kubernetes.io/role/internal-elb", "1")]),
                ),
            ));
            out.emit(CfnResource::new(
                &p.stack,
                p.id(&format!("Private{i}Routes")),
                Entry::new(ec2::RouteTable::new(vpc.reference())),
            ));
            out.emit(CfnResource::new(
                &p.stack,
                p.id(&format!("Private{i}DefaultRoute")),
                Entry::new(
                    ec2::Route::new(routes.reference())
                        .destination_cidr_block("0.0.0.0/0")
                        .nat_gateway_id(nat.reference()),
                ),
            ));
            out.emit(CfnResource::new(
                &p.stack,
                p.id(&format!("Private{i}RoutesAssociation")),
                Entry::new(ec2::SubnetRouteTableAssociation::new(
                    routes.reference(),
                    private.reference(),
                )),
            ));
        }
    }
}

super::accept_methods!(Network);
