//! The construct tree: an [`App`] of environments, scopes and constructs, addressed by `(scope, id)`.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;

use crate::artifact::Emitted;
use crate::aspect::{Aspect, Registered, Visitable};
use crate::diag::{Diagnostic, Diagnostics};
use crate::name;

/// A node of the construct tree: a construct, a scope or an environment.
///
/// Every Girder construct implements this trait; a platform team implements it for its own
/// constructs too. The tree owns the construct; the program keeps a [`Handle`] to it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Girder construct",
    note = "implement `girder_core::Construct` for `{Self}` (a `kind`, and a `render` that emits its objects)"
)]
pub trait Construct: Any {
    /// The kind shown by `list`, e.g. `WebService`.
    fn kind(&self) -> &'static str;

    /// Checks this construct's props; report every problem, do not stop at the first.
    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let _ = (cx, diags);
    }

    /// Emits this construct's objects for the targets (Kubernetes objects, CloudFormation resources).
    fn render(&self, cx: &Context<'_>, out: &mut Emitted);
}

/// What a construct is told about its place when it is validated or rendered.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The app's name, e.g. `screener`.
    pub app: &'a str,
    /// The environment's name, e.g. `prod`.
    pub env: &'a str,
    /// The construct's path, e.g. `prod/hello/api`.
    pub path: &'a Path,
    /// The construct's node.
    pub node: NodeId,
}

/// The index of a node in its app's tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(u32);

impl NodeId {
    /// The app's root node: also what stands for "outside the tree" (e.g. an operator a
    /// construct admits).
    pub const ROOT: NodeId = NodeId(0);
    fn index(self) -> usize {
        self.0 as usize
    }
}

/// A construct's path: its environment, scopes and id joined with `/`, e.g. `prod/hello/api`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Path(String);

impl Path {
    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ids along the path, environment first.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }

    /// The path of child `id`.
    pub fn child(&self, id: &str) -> Path {
        if self.0.is_empty() {
            Path(id.to_owned())
        } else {
            let mut path = String::with_capacity(self.0.len() + 1 + id.len());
            path.push_str(&self.0);
            path.push('/');
            path.push_str(id);
            Path(path)
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

struct Node {
    path: Path,
    /// Where the node's id starts in its path (the id is the path's last segment).
    id_at: usize,
    parent: Option<NodeId>,
    children: Vec<NodeId>,
    /// The environment node this node belongs to (itself for an environment, ROOT for the root).
    env: NodeId,
    construct: Option<Shared>,
    /// The type of `construct`, known without borrowing it.
    ty: Option<std::any::TypeId>,
}

/// A construct as the tree keeps it: shared, so that the tree is not borrowed while the
/// construct's own code, an aspect or a handle's closure runs — that code may read and update
/// other constructs through their handles, add constructs, or report problems.
type Shared = Rc<RefCell<dyn Construct>>;

impl Node {
    /// The node's id: the last segment of its path (empty for the root).
    fn id(&self) -> &str {
        &self.path.0[self.id_at..]
    }
}

/// What a node is: its construct's kind, `Environment` without a construct, `(in use)` while
/// its construct is borrowed.
fn kind_of(node: &Node) -> &'static str {
    node.construct.as_ref().map_or("Environment", |c| {
        c.try_borrow().map_or("(in use)", |c| c.kind())
    })
}

/// Whether an entry of `State::ids` is child `id` (whose hash is `hash`) of `parent`.
fn is_child<'a>(
    nodes: &'a [Node],
    hash: u64,
    parent: NodeId,
    id: &'a str,
) -> impl Fn(&(u64, NodeId)) -> bool + 'a {
    move |&(h, n)| {
        h == hash && nodes[n.index()].parent == Some(parent) && nodes[n.index()].id() == id
    }
}

/// The hash of child `id` of `parent`.
fn id_hash(parent: NodeId, id: &str) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut hasher = crate::hash::FnvBuildHasher::default().build_hasher();
    parent.hash(&mut hasher);
    hasher.write(id.as_bytes());
    hasher.finish()
}

struct State {
    nodes: Vec<Node>,
    /// Every node but the root, found by `(parent, id)` (hashed by [`id_hash`]): duplicate
    /// checks and lookups in constant time, without a copy of the id.
    /// Each entry keeps its hash, so that growing the table hashes no id again.
    ids: hashbrown::HashTable<(u64, NodeId)>,
    /// Aspects by the scope they apply to.
    aspects: Vec<(NodeId, Registered)>,
    problems: Diagnostics,
    /// The marker type that declared each typed scope (environments, namespaces).
    claims: HashMap<NodeId, (std::any::TypeId, &'static str)>,
    /// Facts constructs publish on a scope for others (e.g. a cluster's security group on its
    /// environment), by scope and type.
    attachments: HashMap<(NodeId, std::any::TypeId), Rc<dyn Any>>,
}

struct AppCore {
    name: String,
    state: RefCell<State>,
}

/// A Girder program: a tree of environments, scopes and constructs.
///
/// `App` is a cheap handle (clones share the tree). Constructs are added through their builders,
/// which take a scope; the tree keeps them until synthesis.
#[derive(Clone)]
pub struct App(Rc<AppCore>);

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("name", &self.0.name)
            .finish_non_exhaustive()
    }
}

impl App {
    /// A new app. `name` becomes the `app.kubernetes.io/part-of` label; it must be a DNS-1123 label,
    /// which is checked at synth.
    pub fn new(name: impl Into<String>) -> App {
        let name = name.into();
        let mut problems = Diagnostics::new();
        if let Some(why) = name::check_id(&name) {
            problems.push(
                Diagnostic::error("", format!("invalid app name `{name}`: {why}")).hint(
                    "an app name becomes a label value: use lowercase letters, digits and '-'",
                ),
            );
        }
        let root = Node {
            path: Path(String::new()),
            id_at: 0,
            parent: None,
            children: Vec::new(),
            env: NodeId::ROOT,
            construct: None,
            ty: None,
        };
        App(Rc::new(AppCore {
            name,
            state: RefCell::new(State {
                nodes: vec![root],
                ids: hashbrown::HashTable::new(),
                aspects: Vec::new(),
                problems,
                claims: HashMap::new(),
                attachments: HashMap::new(),
            }),
        }))
    }

    /// The app's name.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// Whether `self` and `other` are the same app (not merely equal names).
    pub fn same(&self, other: &App) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// The environment `E` (declared with [`environment!`](crate::environment)), created on
    /// first use.
    ///
    /// Its constructs carry `E` in their types, so wiring across environments does not compile.
    pub fn environment<E: EnvironmentName>(&self, _env: E) -> Environment<E> {
        let node = match self.child(NodeId::ROOT, E::NAME) {
            Some(node) => node,
            None => self.insert(NodeId::ROOT, E::NAME.to_owned(), None, true),
        };
        self.claim(
            node,
            std::any::TypeId::of::<E>(),
            std::any::type_name::<E>(),
        );
        Environment {
            app: self.clone(),
            node,
            _env: PhantomData,
        }
    }

    /// Publishes `value` on the scope `node` for other constructs (one value per type and scope;
    /// a second replaces the first).
    pub fn attach<T: Any>(&self, node: NodeId, value: T) {
        self.0
            .state
            .borrow_mut()
            .attachments
            .insert((node, std::any::TypeId::of::<T>()), Rc::new(value));
    }

    /// The value of type `T` published on the scope `node`, if any.
    pub fn attachment<T: Any + Clone>(&self, node: NodeId) -> Option<T> {
        let state = self.0.state.borrow();
        let value = state
            .attachments
            .get(&(node, std::any::TypeId::of::<T>()))?;
        value.downcast_ref::<T>().cloned()
    }

    /// The value of type `T` published on the scope `node`, publishing `T::default()` there
    /// first when there is none: for a registry that constructs share (a type wrapping an
    /// `Rc<RefCell<..>>`, so that every clone is the same registry).
    pub fn attachment_or_default<T: Any + Clone + Default>(&self, node: NodeId) -> T {
        self.attachment::<T>(node).unwrap_or_else(|| {
            let value = T::default();
            self.attach(node, value.clone());
            value
        })
    }

    /// Records that the scope at `node` is declared by the marker type `ty`; a second marker type
    /// for the same scope is reported at synth (two types would let wiring mix them).
    pub fn claim(&self, node: NodeId, ty: std::any::TypeId, type_name: &'static str) {
        let mut state = self.0.state.borrow_mut();
        let state = &mut *state;
        match state.claims.get(&node) {
            None => {
                state.claims.insert(node, (ty, type_name));
            }
            Some(&(first, first_name)) if first != ty => {
                let path = state.nodes[node.index()].path.clone();
                state.problems.push(
                    Diagnostic::error(
                        path.as_str(),
                        format!(
                            "`{path}` is declared by two types: `{first_name}` and `{type_name}`"
                        ),
                    )
                    .hint(
                        "declare each environment and namespace once and use that type everywhere",
                    ),
                );
            }
            Some(_) => {}
        }
    }

    /// Adds `construct` under `parent` with `id` and returns a handle to it.
    ///
    /// An invalid or duplicate id is recorded and reported at synth; the handle still works.
    pub fn add<T: Construct>(
        &self,
        parent: NodeId,
        id: impl Into<String>,
        construct: T,
    ) -> Handle<T> {
        let shared: Shared = Rc::new(RefCell::new(construct));
        let node = self.insert(
            parent,
            id.into(),
            Some((shared, std::any::TypeId::of::<T>())),
            false,
        );
        Handle {
            app: self.clone(),
            node,
            _t: PhantomData,
        }
    }

    fn insert(
        &self,
        parent: NodeId,
        id: String,
        construct: Option<(Shared, std::any::TypeId)>,
        is_env: bool,
    ) -> NodeId {
        let mut state = self.0.state.borrow_mut();
        let state = &mut *state;
        let node = NodeId(state.nodes.len() as u32);
        let parent_node = &state.nodes[parent.index()];
        let path = parent_node.path.child(&id);
        if let Some(why) = name::check_id(&id) {
            state.problems.push(
                Diagnostic::error(path.as_str(), format!("invalid id `{id}`: {why}")).hint(
                    "ids become object names: use lowercase letters, digits and '-', starting with a letter (e.g. `api-v2`)",
                ),
            );
        }
        let nodes = &state.nodes;
        let hash = id_hash(parent, &id);
        let duplicate = match state
            .ids
            .entry(hash, is_child(nodes, hash, parent, &id), |&(h, _)| h)
        {
            hashbrown::hash_table::Entry::Occupied(_) => true,
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert((hash, node));
                false
            }
        };
        if duplicate {
            let scope = if parent_node.path.0.is_empty() {
                "the app"
            } else {
                parent_node.path.as_str()
            };
            state.problems.push(
                Diagnostic::error(path.as_str(), format!("duplicate id `{id}` in {scope}")).hint(
                    "ids must be unique among the constructs of one scope: rename one of them",
                ),
            );
        }
        let env = if is_env { node } else { parent_node.env };
        state.nodes[parent.index()].children.push(node);
        let id_at = path.0.len() - id.len();
        state.nodes.push(Node {
            path,
            id_at,
            parent: Some(parent),
            children: Vec::new(),
            env,
            ty: construct.as_ref().map(|(_, ty)| *ty),
            construct: construct.map(|(c, _)| c),
        });
        node
    }

    /// The child of `parent` with `id`, if there is one (the first, if the id is duplicated).
    pub fn child(&self, parent: NodeId, id: &str) -> Option<NodeId> {
        let state = self.0.state.borrow();
        let nodes = &state.nodes;
        let hash = id_hash(parent, id);
        state
            .ids
            .find(hash, is_child(nodes, hash, parent, id))
            .map(|&(_, n)| n)
    }

    /// A typed handle to `node`, if its construct is a `T`.
    pub fn handle<T: Construct>(&self, node: NodeId) -> Option<Handle<T>> {
        let is_t =
            self.0.state.borrow().nodes.get(node.index())?.ty == Some(std::any::TypeId::of::<T>());
        is_t.then(|| Handle {
            app: self.clone(),
            node,
            _t: PhantomData,
        })
    }

    /// The path of `node`.
    pub fn path(&self, node: NodeId) -> Path {
        self.0.state.borrow().nodes[node.index()].path.clone()
    }

    /// The id of `node`.
    pub fn id(&self, node: NodeId) -> String {
        if node == NodeId::ROOT {
            return self.0.name.clone();
        }
        self.0.state.borrow().nodes[node.index()].id().to_owned()
    }

    /// What `node` is: its construct's kind (`WebService`, `Postgres`), `Environment` for an
    /// environment or the root, `(in use)` while its construct is borrowed.
    pub fn kind(&self, node: NodeId) -> &'static str {
        kind_of(&self.0.state.borrow().nodes[node.index()])
    }

    /// The children of `node`, in the order they were added.
    pub fn children(&self, node: NodeId) -> Vec<NodeId> {
        self.0.state.borrow().nodes[node.index()].children.clone()
    }

    /// The parent of `node` (`None` for the root).
    pub fn parent(&self, node: NodeId) -> Option<NodeId> {
        self.0.state.borrow().nodes[node.index()].parent
    }

    /// Registers an aspect that visits every `T` of the app: every construct of type `T`, or
    /// every object of type `T` that constructs emit.
    pub fn aspect<T: Visitable + ?Sized>(&self, aspect: impl Aspect<T>) {
        self.scoped_aspect(NodeId::ROOT, Registered::new(aspect));
    }

    /// Registers an aspect that visits every `T` at or below `node` only: a composite
    /// construct's policy for its own parts (e.g. its owner's labels on every object they
    /// emit), or a scope's.
    pub fn aspect_at<T: Visitable + ?Sized>(&self, node: NodeId, aspect: impl Aspect<T>) {
        self.scoped_aspect(node, Registered::new(aspect));
    }

    fn scoped_aspect(&self, scope: NodeId, aspect: Registered) {
        self.0.state.borrow_mut().aspects.push((scope, aspect));
    }

    /// The aspects of `T` that apply to `node`, in registration order.
    pub fn aspects<T: Visitable + ?Sized>(&self, node: NodeId) -> Vec<Rc<dyn Aspect<T>>> {
        let state = self.0.state.borrow();
        state
            .aspects
            .iter()
            .filter(|(scope, _)| Self::within(&state, node, *scope))
            .filter_map(|(_, aspect)| aspect.of::<T>())
            .collect()
    }

    /// Whether `node` is `scope` or below it.
    fn within(state: &State, node: NodeId, scope: NodeId) -> bool {
        let mut cur = Some(node);
        while let Some(n) = cur {
            if n == scope {
                return true;
            }
            cur = state.nodes[n.index()].parent;
        }
        false
    }

    /// Problems with the tree itself: invalid and duplicate ids, handles from another app.
    pub fn tree_diagnostics(&self) -> Diagnostics {
        self.0.state.borrow().problems.clone()
    }

    /// Records a problem found while wiring (e.g. a handle of another app); reported at synth.
    pub fn report(&self, diagnostic: Diagnostic) {
        self.0.state.borrow_mut().problems.push(diagnostic);
    }

    /// Calls `f` for every construct, depth-first in the order they were added.
    ///
    /// The tree is not borrowed while `f` runs: it may use handles, add constructs or report
    /// problems. Constructs added meanwhile are not visited.
    pub fn for_each_construct(&self, mut f: impl FnMut(&Context<'_>, &dyn Construct)) {
        self.visit_constructs(|cx, construct| match construct.try_borrow() {
            Ok(c) => f(cx, &*c),
            Err(_) => self.report_busy(cx.path),
        });
    }

    /// Calls `f` for every construct with mutable access, depth-first in the order they were added.
    ///
    /// The tree is not borrowed while `f` runs (see [`App::for_each_construct`]).
    pub fn for_each_construct_mut(&self, mut f: impl FnMut(&Context<'_>, &mut dyn Construct)) {
        self.visit_constructs(|cx, construct| match construct.try_borrow_mut() {
            Ok(mut c) => f(cx, &mut *c),
            Err(_) => self.report_busy(cx.path),
        });
    }

    /// Calls `f` for every construct node, depth-first in the order added, with the tree
    /// borrowed only to find the next one.
    fn visit_constructs(&self, mut f: impl FnMut(&Context<'_>, &Shared)) {
        let order = Self::preorder(&self.0.state.borrow());
        for n in order {
            let found = {
                let state = self.0.state.borrow();
                let node = &state.nodes[n.index()];
                node.construct.clone().map(|c| {
                    let env = state.nodes[node.env.index()].id().to_owned();
                    (c, node.path.clone(), env)
                })
            };
            let Some((construct, path, env)) = found else {
                continue;
            };
            let cx = Context {
                app: &self.0.name,
                env: &env,
                path: &path,
                node: n,
            };
            f(&cx, &construct);
        }
    }

    /// Reports a construct that could not be visited because the program holds it (a handle's
    /// `read` or `update` that synthesizes the app from inside its closure).
    fn report_busy(&self, path: &Path) {
        self.report(
            Diagnostic::error(
                path.as_str(),
                "this construct was in use by the program when the app was synthesized",
            )
            .hint("synthesize the app after every handle's `read` and `update` has returned"),
        );
    }

    /// Runs every aspect on every construct it applies to, depth-first in the order added.
    ///
    /// Aspects see the construct models (e.g. a web service's props) before validation; the
    /// synthesizer runs them again on every emitted object. The tree is not borrowed while an
    /// aspect runs: it may read and update other constructs through their handles.
    pub fn apply_aspects(&self, diags: &mut Diagnostics) {
        if self.0.state.borrow().aspects.is_empty() {
            return;
        }
        self.visit_constructs(|cx, construct| {
            let applicable: Vec<Registered> = {
                let state = self.0.state.borrow();
                state
                    .aspects
                    .iter()
                    .filter(|(scope, _)| Self::within(&state, cx.node, *scope))
                    .map(|(_, aspect)| aspect.clone())
                    .collect()
            };
            let Ok(mut construct) = construct.try_borrow_mut() else {
                self.report_busy(cx.path);
                return;
            };
            for aspect in applicable {
                let mut visit = crate::Visit::new(cx.path.as_str(), cx.env, None, diags);
                aspect.visit_construct(&mut *construct, &mut visit);
            }
        });
    }

    /// Every node below the root, depth-first, with its depth (environments are depth 0) and kind.
    pub fn outline(&self) -> Vec<(usize, Path, &'static str)> {
        let state = self.0.state.borrow();
        let mut out = Vec::new();
        fn go(state: &State, n: NodeId, depth: usize, out: &mut Vec<(usize, Path, &'static str)>) {
            let node = &state.nodes[n.index()];
            out.push((depth, node.path.clone(), kind_of(node)));
            for c in &node.children {
                go(state, *c, depth + 1, out);
            }
        }
        for env in &state.nodes[0].children {
            go(&state, *env, 0, &mut out);
        }
        out
    }

    fn preorder(state: &State) -> Vec<NodeId> {
        let mut order = Vec::with_capacity(state.nodes.len());
        let mut stack = vec![NodeId::ROOT];
        while let Some(n) = stack.pop() {
            order.push(n);
            stack.extend(state.nodes[n.index()].children.iter().rev());
        }
        order
    }
}

/// The identity of an environment as a type: declare one with [`environment!`](crate::environment).
///
/// Constructs carry their environment's type, so a `prod` service cannot be wired to a `staging`
/// database: that does not compile.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an environment type",
    label = "expected an environment declared with `girder::environment!`",
    note = "declare the environment once, e.g. `girder::environment!(pub Prod = \"prod\");`, then call `app.environment(Prod)`"
)]
pub trait EnvironmentName: Copy + fmt::Debug + 'static {
    /// The environment's name: its output directory and the first segment of its paths.
    const NAME: &'static str;
}

/// Declares an environment type: `girder::environment!(pub Prod = "prod");`.
///
/// ```
/// girder_core::environment!(
///     /// Production.
///     pub Prod = "prod"
/// );
/// let app = girder_core::App::new("shop");
/// assert_eq!(app.environment(Prod).name(), "prod");
/// ```
#[macro_export]
macro_rules! environment {
    ($(#[$meta:meta])* $vis:vis $ty:ident = $name:literal) => {
        #[doc = concat!("The `", $name, "` environment.")]
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        $vis struct $ty;

        impl $crate::EnvironmentName for $ty {
            const NAME: &'static str = $name;
        }
    };
}

/// An environment of an app, e.g. `prod` or `staging`: the top scope of its constructs.
pub struct Environment<E> {
    app: App,
    node: NodeId,
    _env: PhantomData<fn() -> E>,
}

impl<E> Clone for Environment<E> {
    fn clone(&self) -> Self {
        Environment {
            app: self.app.clone(),
            node: self.node,
            _env: PhantomData,
        }
    }
}

impl<E: EnvironmentName> fmt::Debug for Environment<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Environment").field(&E::NAME).finish()
    }
}

impl<E: EnvironmentName> Environment<E> {
    /// The environment's node, the parent of its top-level scopes.
    pub fn node(&self) -> NodeId {
        self.node
    }

    /// The environment's name.
    pub fn name(&self) -> &'static str {
        E::NAME
    }

    /// The app this environment belongs to.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// Registers an aspect that visits every `T` of this environment only (see [`App::aspect`]).
    pub fn aspect<T: Visitable + ?Sized>(&self, aspect: impl Aspect<T>) {
        self.app.scoped_aspect(self.node, Registered::new(aspect));
    }
}

/// A typed handle to a construct in the tree: what a builder returns to the program.
pub struct Handle<T> {
    app: App,
    node: NodeId,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        Handle {
            app: self.app.clone(),
            node: self.node,
            _t: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Handle")
            .field(&self.app.path(self.node).0)
            .finish()
    }
}

impl<T: Construct> Handle<T> {
    /// The construct's node.
    pub fn node(&self) -> NodeId {
        self.node
    }

    /// The app the construct belongs to.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// The construct's path.
    pub fn path(&self) -> Path {
        self.app.path(self.node)
    }

    /// Reads the construct.
    ///
    /// The tree is not borrowed while `f` runs: it may use other handles.
    ///
    /// # Panics
    ///
    /// When the construct is being changed at the same time: from inside an
    /// [`update`](Handle::update) of it, or from an aspect that visits it (change what the aspect
    /// visits instead).
    pub fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let construct = self.construct();
        let Ok(c) = construct.try_borrow() else {
            panic!(
                "`{}` is being changed (inside an `update` of it, or by an aspect that visits it): it cannot be read at the same time",
                self.path()
            );
        };
        let c: &dyn Any = &*c;
        f(c.downcast_ref::<T>()
            .expect("girder internal error: handle of the wrong type"))
    }

    /// Changes the construct.
    ///
    /// The tree is not borrowed while `f` runs: it may use other handles.
    ///
    /// # Panics
    ///
    /// When the construct is in use at the same time: from inside a [`read`](Handle::read) or
    /// `update` of it, from its own `render`, or from an aspect that visits it (change what the
    /// aspect visits instead).
    pub fn update<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let construct = self.construct();
        let Ok(mut c) = construct.try_borrow_mut() else {
            panic!(
                "`{}` is in use (being read, rendered, or visited by an aspect): it cannot be changed at the same time",
                self.path()
            );
        };
        let c: &mut dyn Any = &mut *c;
        f(c.downcast_mut::<T>()
            .expect("girder internal error: handle of the wrong type"))
    }

    fn construct(&self) -> Shared {
        self.app.0.state.borrow().nodes[self.node.index()]
            .construct
            .clone()
            .expect("girder internal error: handle to a node without construct")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::environment!(Prod = "prod");
    crate::environment!(Staging = "staging");
    crate::environment!(AlsoProd = "prod");

    /// What the test constructs emit.
    struct Number(u32);
    impl crate::Artifact for Number {
        const WHAT: &'static str = "number";
    }

    struct Thing;
    impl Construct for Thing {
        fn kind(&self) -> &'static str {
            "Thing"
        }
        fn render(&self, _cx: &Context<'_>, out: &mut Emitted) {
            out.emit(Number(1));
        }
    }

    #[test]
    fn paths_and_outline() {
        let app = App::new("shop");
        let prod = app.environment(Prod);
        let a = app.add(prod.node(), "a", Thing);
        let b = app.add(a.node(), "b", Thing);
        assert_eq!(b.path().as_str(), "prod/a/b");
        assert_eq!(app.children(a.node()), [b.node()]);
        assert!(app.children(b.node()).is_empty());
        assert_eq!(app.environment(Prod).node(), prod.node());
        let outline = app.outline();
        assert_eq!(outline.len(), 3);
        assert_eq!(outline[2], (2, b.path(), "Thing"));
        assert!(app.tree_diagnostics().is_empty());
    }

    #[test]
    fn children_are_found_by_parent_and_id_and_a_duplicate_keeps_the_first() {
        let app = App::new("shop");
        let prod = app.environment(Prod).node();
        let staging = app.environment(Staging).node();
        let a = app.add(prod, "api", Thing).node();
        let b = app.add(staging, "api", Thing).node();
        let nested = app.add(a, "api", Thing).node();
        let again = app.add(prod, "api", Thing).node();
        assert_eq!(app.child(prod, "api"), Some(a));
        assert_eq!(app.child(staging, "api"), Some(b));
        assert_eq!(app.child(a, "api"), Some(nested));
        assert_eq!(app.child(prod, "ap"), None);
        assert_eq!(app.child(nested, "api"), None);
        assert_ne!(again, a);
        assert_eq!(app.id(again), "api");
        assert_eq!(app.id(prod), "prod");
        assert_eq!(app.id(NodeId::ROOT), "shop");
        let problems = app.tree_diagnostics();
        assert_eq!(problems.len(), 1, "{problems}");
        assert!(
            problems
                .iter()
                .all(|d| d.message == "duplicate id `api` in prod")
        );
    }

    #[test]
    fn duplicate_and_invalid_ids_are_all_reported() {
        let app = App::new("shop");
        let prod = app.environment(Prod);
        app.add(prod.node(), "a", Thing);
        app.add(prod.node(), "a", Thing);
        app.add(prod.node(), "Bad_Id", Thing);
        let d = app.tree_diagnostics();
        assert_eq!(d.error_count(), 2);
        let text = d.to_string();
        assert!(text.contains("duplicate id `a` in prod"), "{text}");
        assert!(text.contains("invalid id `Bad_Id`"), "{text}");
    }

    #[test]
    fn an_environment_declared_by_two_types_is_reported() {
        let app = App::new("shop");
        app.environment(Prod);
        app.environment(Prod);
        assert!(app.tree_diagnostics().is_empty());
        app.environment(AlsoProd);
        let text = app.tree_diagnostics().to_string();
        assert!(text.contains("`prod` is declared by two types"), "{text}");
    }

    /// A construct that holds a number and renders what it reads from other constructs.
    struct Counter {
        n: u32,
        reads: Vec<Handle<Counter>>,
    }
    impl Construct for Counter {
        fn kind(&self) -> &'static str {
            "Counter"
        }
        fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
            let sum: u32 = self.reads.iter().map(|h| h.read(|c| c.n)).sum();
            out.emit(Number(self.n + sum));
            // A platform team's construct may also publish facts and report while rendering.
            if let Some(first) = self.reads.first() {
                first.app().attach(cx.node, sum);
                first
                    .app()
                    .report(Diagnostic::warning(cx.path.as_str(), "rendered"));
            }
        }
    }

    #[test]
    fn user_code_may_use_handles_while_the_tree_runs_it() {
        let app = App::new("shop");
        let prod = app.environment(Prod).node();
        let a = app.add(
            prod,
            "a",
            Counter {
                n: 1,
                reads: vec![],
            },
        );
        let b = app.add(
            prod,
            "b",
            Counter {
                n: 10,
                reads: vec![a.clone()],
            },
        );
        // An aspect that reads and updates other constructs through their handles, and adds one.
        let (seen_a, seen_b, app2) = (a.clone(), b.clone(), app.clone());
        app.aspect(move |_: &mut Counter, visit: &mut crate::Visit<'_>| {
            if visit.path() == "prod/b" {
                let n = seen_a.read(|c| c.n);
                seen_a.update(|c| c.n = n + 1);
                app2.add(NodeId::ROOT, "late", Thing);
            }
            if visit.path() == "prod/a" {
                // Its own construct is what it visits; another handle is free to use.
                assert_eq!(seen_b.read(|c| c.n), 10);
            }
        });
        let mut diags = Diagnostics::new();
        app.apply_aspects(&mut diags);
        assert!(diags.is_empty(), "{diags}");
        assert_eq!(a.read(|c| c.n), 2);
        let mut rendered = Vec::new();
        app.for_each_construct(|cx, c| {
            let mut out = Emitted::new();
            c.render(cx, &mut out);
            rendered.extend(out.take::<Number>().into_iter().map(|n| n.0));
        });
        // `late`, added by the aspect, renders too.
        assert_eq!(rendered, [2, 12, 1]);
        assert_eq!(app.attachment::<u32>(b.node()), Some(2));
        assert!(app.tree_diagnostics().to_string().contains("rendered"));
        // A handle's closure may use other handles.
        b.update(|b| b.n = a.read(|a| a.n) * 100);
        assert_eq!(b.read(|b| b.n), 200);
    }

    #[test]
    fn a_construct_in_use_by_the_program_is_reported_not_panicked_on() {
        let app = App::new("shop");
        let prod = app.environment(Prod).node();
        let a = app.add(
            prod,
            "a",
            Counter {
                n: 1,
                reads: vec![],
            },
        );
        a.update(|_| app.for_each_construct(|_, _| panic!("visited a construct in use")));
        let text = app.tree_diagnostics().to_string();
        assert!(text.contains("was in use by the program"), "{text}");
    }

    #[test]
    fn visits_in_creation_order() {
        let app = App::new("shop");
        let prod = app.environment(Prod);
        let staging = app.environment(Staging);
        app.add(prod.node(), "a", Thing);
        app.add(staging.node(), "b", Thing);
        app.add(prod.node(), "c", Thing);
        let mut seen = Vec::new();
        app.for_each_construct(|cx, _| seen.push(format!("{}:{}", cx.env, cx.path)));
        assert_eq!(seen, ["prod:prod/a", "prod:prod/c", "staging:staging/b"]);
    }
}
