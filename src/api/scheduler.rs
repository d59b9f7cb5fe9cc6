//! [`Scheduler`]: many agents (VMs, typically forks of one image) run side by side on fuel
//! slices, talk through copied messages, sleep, and move between processes as bytes.
//!
//! # Design
//! The scheduler is a host loop built only from the public VM API: each agent is a [`Vm`]
//! stepped with `step(fuel)`, and its waiting natives are host functions registered by name
//! (`receive`, `send`, `sleep`, `agent_id`), so an agent waiting in `receive()` is an
//! ordinary [`Wait::delivery`] that saves, restores and forks like any other. The natives
//! reach the scheduler through one shared cell ([`Shared`]): which agent is running, its
//! clock, the inboxes. Nothing in it is per-VM, so the registrations of every agent are the
//! same closures and a fork of an image made by [`Scheduler::with_natives`] needs nothing
//! installed.
//!
//! - A tick gives each agent that can run `slice × weight` fuel, in id order, starting where
//!   the last tick's budget ran out (round-robin), and skips agents that wait for something
//!   that has not come (their turn costs a map lookup).
//! - `sleep(n)` is a wait kind whose state is the agent's wake time. Time is the scheduler's
//!   tick counter plus a per-agent offset, so an agent that moves to another scheduler keeps
//!   its own clock (and its sleeps) whatever that scheduler's tick is.
//! - Budgets: the memory limit of the agent's VM ("not enough memory" escaping the script is
//!   reported as [`StopReason::Memory`]) and a total fuel limit per agent.
//! - Determinism: agents run in id order with the same slices, messages are copied in the
//!   sender's iteration order, so the same inputs give the same outputs and snapshots.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::convert::{Value, Variadic};
use super::error::{Error, Result};
use super::host::{Registrations, Reply, Resume, Wait, DELIVERY_KIND};
use super::message::Message;
use super::options::VmOptions;
use super::vm::{Image, Vm};
use super::{RuntimeError, StepResult};

/// The wait kind of `sleep(ticks)`: its state is the agent's wake time.
pub const SLEEP_KIND: &str = "telelua.sleep";

/// The id messages from the host come from (`post`), and to which agents `send` to reach
/// the host ([`Scheduler::take_host_messages`]).
pub const HOST: AgentId = AgentId(0);

/// First bytes of an emigrated agent, so a wrong blob is rejected before decoding.
const ENVELOPE_MAGIC: &str = "telelua-agent";

/// Version of the envelope's layout.
const ENVELOPE_VERSION: u32 = 1;

/// An agent's id: stable for its life, kept when it moves to another scheduler.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct AgentId(pub u64);

impl std::fmt::Display for AgentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What an agent waits for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WaitingOn {
    /// A message: it is in `receive()` with an empty inbox.
    Message,
    /// `sleep`: until the agent's clock reaches this tick.
    Sleep {
        /// The agent's wake time.
        until: i64,
    },
    /// A wait of a host-registered kind (the host delivers with [`Scheduler::vm_mut`]).
    Other(String),
}

/// Why an agent was stopped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StopReason {
    /// It used its whole fuel budget ([`Scheduler::set_fuel_limit`]).
    Fuel,
    /// It ran out of its memory budget (the VM's memory limit).
    Memory,
    /// The host stopped it ([`Scheduler::stop`]).
    Host,
}

/// An agent's state, as the host sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum AgentState {
    /// It runs on the next tick.
    Runnable,
    /// It waits.
    Waiting(WaitingOn),
    /// Its main chunk returned these values.
    Finished(Vec<Value>),
    /// An error escaped it (message and traceback).
    Failed(RuntimeError),
    /// It was stopped.
    Stopped(StopReason),
}

impl AgentState {
    /// Whether the agent is over (finished, failed or stopped): it never runs again.
    pub fn is_over(&self) -> bool {
        matches!(
            self,
            AgentState::Finished(_) | AgentState::Failed(_) | AgentState::Stopped(_)
        )
    }
}

/// How a scheduler runs its agents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SchedulerOptions {
    /// Fuel an agent of weight 1 gets per tick.
    pub slice: u64,
    /// Fuel all agents together may use in one tick (`None`: no limit). When it runs out,
    /// the next tick starts with the first agent not served. Agents get whole slices, so a
    /// tick may pass its budget by at most one agent's slice.
    pub tick_budget: Option<u64>,
    /// Total fuel budget of each new agent (`None`: unlimited).
    pub fuel_limit: Option<u64>,
    /// Memory budget of each new agent's VM, when its options set none.
    pub memory_limit: Option<u64>,
    /// Most messages an inbox holds; `send` to a full inbox returns false.
    pub inbox_limit: usize,
    /// The first id given to a spawned agent (schedulers in several processes use disjoint
    /// ranges so agents can move between them).
    pub first_id: u64,
}

impl Default for SchedulerOptions {
    fn default() -> Self {
        SchedulerOptions {
            slice: 1_000,
            tick_budget: None,
            fuel_limit: None,
            memory_limit: None,
            inbox_limit: 1_000,
            first_id: 1,
        }
    }
}

/// What the natives share with the scheduler.
#[derive(Default)]
struct Shared {
    /// The agent being stepped (`None` between turns: the natives then fail).
    current: Option<AgentId>,
    /// The running agent's clock.
    now: i64,
    /// Set by `receive()` when it waits.
    receiving: bool,
    /// Set by `sleep(n)` when it waits: the wake time.
    sleeping: Option<i64>,
    /// Live agents' inboxes: (sender, message). Hashed (every `send` and `receive` looks
    /// one up; nothing iterates them, so their order is never seen).
    inboxes: HashMap<AgentId, VecDeque<(AgentId, Message)>, foldhash::fast::FixedState>,
    /// Messages agents sent to [`HOST`].
    to_host: Vec<(AgentId, Message)>,
    inbox_limit: usize,
}

impl Shared {
    fn current(&self) -> Result<AgentId> {
        self.current
            .ok_or_else(|| Error::msg("not running as an agent of a scheduler"))
    }

    /// Queues `m` for `to`; false if there is no such live agent or its inbox is full.
    #[inline]
    fn send(&mut self, from: AgentId, to: AgentId, m: Message) -> bool {
        if to == HOST {
            self.to_host.push((from, m));
            return true;
        }
        let limit = self.inbox_limit;
        match self.inboxes.get_mut(&to) {
            Some(q) if q.len() < limit => {
                q.push_back((from, m));
                true
            }
            _ => false,
        }
    }
}

/// One agent.
struct Agent {
    vm: Vm,
    state: AgentState,
    weight: u32,
    fuel_limit: Option<u64>,
    /// Fuel it used under this and previous schedulers.
    fuel_used: u64,
    /// Its clock minus the scheduler's tick.
    clock_offset: i64,
}

/// The agents in id order: a sorted vector of boxed agents. Spawned agents get increasing
/// ids, so adding one is a push (a `BTreeMap` insert searched and split nodes: ~400
/// instructions of a ~15k-instruction spawn); a tick walks a slice. Lookups are binary
/// searches; taking an agent out (or in with an id below the last) shifts the ones after it
/// (16 bytes each: a few microseconds at 10,000 agents, against the snapshot an emigration
/// writes anyway). (Boxed: an agent is ~700 bytes, and moving whole agents cost a spawn.)
#[derive(Default)]
struct Agents(Vec<(AgentId, Box<Agent>)>);

impl Agents {
    /// Where `id` is, or where it would go.
    #[inline]
    fn find(&self, id: AgentId) -> std::result::Result<usize, usize> {
        match self.0.last() {
            // (The common case: the last agent, or one past it.)
            Some((last, _)) if *last < id => Err(self.0.len()),
            _ => self.0.binary_search_by_key(&id, |(i, _)| *i),
        }
    }

    /// Adds (or replaces) the agent `id`.
    #[inline]
    fn insert(&mut self, id: AgentId, agent: Box<Agent>) {
        match self.find(id) {
            Ok(pos) => {
                if let Some(slot) = self.0.get_mut(pos) {
                    slot.1 = agent;
                }
            }
            Err(pos) => self.0.insert(pos, (id, agent)),
        }
    }

    fn get(&self, id: &AgentId) -> Option<&Agent> {
        let pos = self.find(*id).ok()?;
        self.0.get(pos).map(|(_, a)| &**a)
    }

    fn get_mut(&mut self, id: &AgentId) -> Option<&mut Agent> {
        let pos = self.find(*id).ok()?;
        self.0.get_mut(pos).map(|(_, a)| &mut **a)
    }

    fn contains_key(&self, id: &AgentId) -> bool {
        self.find(*id).is_ok()
    }

    fn remove(&mut self, id: &AgentId) -> Option<Box<Agent>> {
        let pos = self.find(*id).ok()?;
        Some(self.0.remove(pos).1)
    }

    /// The agents with ids from `start` on.
    fn from_mut(&mut self, start: AgentId) -> &mut [(AgentId, Box<Agent>)] {
        let pos = self.0.partition_point(|(i, _)| *i < start);
        self.0.get_mut(pos..).unwrap_or_default()
    }

    /// The agents with ids below `start`.
    fn before_mut(&mut self, start: AgentId) -> &mut [(AgentId, Box<Agent>)] {
        let pos = self.0.partition_point(|(i, _)| *i < start);
        self.0.get_mut(..pos).unwrap_or_default()
    }

    fn iter(&self) -> impl Iterator<Item = (&AgentId, &Agent)> {
        self.0.iter().map(|(id, a)| (id, &**a))
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// An emigrated agent: what [`Scheduler::immigrate`] needs besides the host's options.
#[derive(Serialize, Deserialize)]
struct Envelope {
    magic: String,
    version: u32,
    id: AgentId,
    #[serde(with = "serde_bytes")]
    snapshot: Vec<u8>,
    inbox: Vec<(AgentId, Message)>,
    /// `None`: runnable.
    waiting: Option<WaitingOn>,
    clock: i64,
    weight: u32,
    fuel_limit: Option<u64>,
    fuel_used: u64,
}

/// Many agents stepped fairly on fuel slices (see the module docs).
///
/// ```
/// use telelua::{AgentState, Message, Scheduler, SchedulerOptions, VmOptions};
/// let mut sched = Scheduler::new(SchedulerOptions::default());
/// let mut base = sched.with_natives(VmOptions::new()).build();
/// base.load(b"local n = receive() send(0, n * 2)", "=agent").unwrap();
/// let image = base.image().unwrap();
/// let a = sched.spawn_from_image(&image, VmOptions::new()).unwrap();
/// sched.run_ticks(1);
/// sched.post(a, Message::Int(21)).unwrap();
/// sched.run_ticks(1);
/// assert_eq!(sched.take_host_messages(), vec![(a, Message::Int(42))]);
/// assert_eq!(sched.state(a), Some(&AgentState::Finished(vec![])));
/// ```
pub struct Scheduler {
    opts: SchedulerOptions,
    shared: Rc<RefCell<Shared>>,
    /// The natives, made once: every agent gets these very closures (they reach the agent
    /// through `shared`), so an image made with them needs nothing registered per spawn.
    natives: Registrations,
    /// The last image spawned from, whether it registers all the natives already, and
    /// whether its globals have their names (checked on its first fork: every fork of an
    /// image starts in its state, and an image's registrations never change).
    checked_image: Option<(Image, bool, bool)>,
    agents: Agents,
    tick: i64,
    next_id: u64,
    /// Where the next tick starts (the first agent a tick budget left out).
    cursor: AgentId,
}

impl Scheduler {
    /// An empty scheduler.
    pub fn new(opts: SchedulerOptions) -> Scheduler {
        let shared = Shared {
            inbox_limit: opts.inbox_limit,
            ..Shared::default()
        };
        let shared = Rc::new(RefCell::new(shared));
        Scheduler {
            next_id: opts.first_id.max(1),
            opts,
            natives: natives(&shared),
            checked_image: None,
            shared,
            agents: Agents::default(),
            tick: 0,
            cursor: AgentId(0),
        }
    }

    /// `opts` with the agent natives registered: `receive()` (the next message and its
    /// sender's id, waiting while there is none), `send(id, value)` (true if queued; id 0
    /// is the host), `sleep(ticks)` and `agent_id()`. Build the VM an image is taken from
    /// with these; forks then need nothing more.
    pub fn with_natives(&self, opts: VmOptions) -> VmOptions {
        opts.registrations(&self.natives)
    }

    /// Applies the scheduler's defaults to an agent's options.
    fn agent_options(&self, mut opts: VmOptions) -> VmOptions {
        if opts.memory_limit.is_none() {
            opts.memory_limit = self.opts.memory_limit;
        }
        self.with_natives(opts)
    }

    /// Forks `image` into a new agent with `opts` (its host services, memory limit and the
    /// host's own registrations). The image's main chunk continues where it was: load the
    /// agent's script in the VM before taking the image.
    ///
    /// # Errors
    /// As [`Image::fork_with_options`].
    pub fn spawn_from_image(&mut self, image: &Image, mut opts: VmOptions) -> Result<AgentId> {
        // An image made with `with_natives` has them (the same closures): registering them
        // again would give the same VM, so a spawn skips it unless the host's own
        // registrations could replace one of them.
        // (Both answers are kept for the last image: they cost a tenth of a spawn.)
        let (registers_all, has_globals) = match &self.checked_image {
            Some((checked, all, has)) if checked.same_as(image) => (*all, Some(*has)),
            _ => (image.registers_all(&self.natives), None),
        };
        let opts = if opts.registrations.is_empty() && registers_all {
            if opts.memory_limit.is_none() {
                opts.memory_limit = self.opts.memory_limit;
            }
            opts
        } else {
            self.agent_options(opts)
        };
        let mut vm = image.fork_with_options(opts)?;
        let has_globals = match has_globals {
            Some(has) => has,
            None => {
                // (Checked without converting the global: a function converts to a handle,
                // which would give every agent a handle table.)
                let has = vm.has_global("receive");
                self.checked_image = Some((image.clone(), registers_all, has));
                has
            }
        };
        if !has_globals {
            self.install_globals(&mut vm);
        }
        Ok(self.add(vm))
    }

    /// Adds a VM made by the host (its main chunk loaded) as a new agent. The natives are
    /// registered in it if it was not built with [`Scheduler::with_natives`].
    pub fn spawn(&mut self, mut vm: Vm) -> AgentId {
        self.install_globals(&mut vm);
        self.add(vm)
    }

    /// Registers the natives in an existing VM (and sets their globals).
    fn install_globals(&self, vm: &mut Vm) {
        vm.install_registrations(&self.natives);
    }

    #[inline]
    fn add(&mut self, vm: Vm) -> AgentId {
        let id = AgentId(self.next_id);
        self.next_id += 1;
        self.insert(id, vm, AgentState::Runnable, 0, 0, VecDeque::new());
        id
    }

    #[inline]
    fn insert(
        &mut self,
        id: AgentId,
        vm: Vm,
        state: AgentState,
        clock: i64,
        fuel_used: u64,
        inbox: VecDeque<(AgentId, Message)>,
    ) {
        self.shared.borrow_mut().inboxes.insert(id, inbox);
        self.agents.insert(
            id,
            Box::new(Agent {
                vm,
                state,
                weight: 1,
                fuel_limit: self.opts.fuel_limit,
                fuel_used,
                clock_offset: clock - self.tick,
            }),
        );
    }

    /// Runs `n` ticks; returns the fuel the agents used.
    pub fn run_ticks(&mut self, n: u64) -> u64 {
        let mut total = 0;
        for _ in 0..n {
            total += self.run_tick();
        }
        total
    }

    /// One tick: every agent that can run gets its slice (see the module docs).
    fn run_tick(&mut self) -> u64 {
        self.tick += 1;
        let Scheduler {
            opts,
            shared,
            agents,
            tick,
            cursor,
            ..
        } = self;
        let start = *cursor;
        let mut spent = 0u64;
        // From the cursor to the end, then from the start to the cursor (a turn changes only
        // its own agent's state, so which agents take part is known as they come).
        for wrapped in [false, true] {
            let part = if wrapped {
                agents.before_mut(start)
            } else {
                agents.from_mut(start)
            };
            for (id, agent) in part.iter_mut().map(|(id, a)| (&*id, a)) {
                if agent.state.is_over() {
                    continue;
                }
                if opts.tick_budget.is_some_and(|budget| spent >= budget) {
                    *cursor = *id;
                    return spent;
                }
                spent += turn(shared, *tick, *id, agent, opts.slice);
            }
        }
        spent
    }

    /// Sets an agent's state; an agent that is over loses its inbox (sends to it fail).
    fn finish(&mut self, id: AgentId, state: AgentState) {
        if let Some(a) = self.agents.get_mut(&id) {
            set_state(&self.shared, id, a, state);
        } else if state.is_over() {
            self.shared.borrow_mut().inboxes.remove(&id);
        }
    }

    /// Delivers a message from the host ([`HOST`] is its sender).
    ///
    /// # Errors
    /// No such live agent, or its inbox is full.
    pub fn post(&mut self, id: AgentId, m: Message) -> Result<()> {
        if self.shared.borrow_mut().send(HOST, id, m) {
            Ok(())
        } else {
            Err(Error::msg(format!(
                "agent {id} is not alive or its inbox is full"
            )))
        }
    }

    /// The messages agents sent to the host (`send(0, v)`) since the last call, in order.
    pub fn take_host_messages(&mut self) -> Vec<(AgentId, Message)> {
        std::mem::take(&mut self.shared.borrow_mut().to_host)
    }

    /// Stops an agent: it never runs again (its VM stays for the host to inspect).
    pub fn stop(&mut self, id: AgentId) {
        if self.agents.get(&id).is_some_and(|a| !a.state.is_over()) {
            self.finish(id, AgentState::Stopped(StopReason::Host));
        }
    }

    /// Removes an agent and returns its VM.
    pub fn remove(&mut self, id: AgentId) -> Option<Vm> {
        self.shared.borrow_mut().inboxes.remove(&id);
        self.agents.remove(&id).map(|a| a.vm)
    }

    /// Takes a live agent out as bytes: its snapshot, id, pending messages, wait state,
    /// clock, weight and fuel budget. [`Scheduler::immigrate`] (here or in another process)
    /// continues it exactly where it was.
    ///
    /// # Errors
    /// No such agent, an agent that is over, or a VM that cannot be saved (it holds an
    /// unsaved userdata or an unregistered native). The agent stays here on an error.
    pub fn emigrate(&mut self, id: AgentId) -> Result<Vec<u8>> {
        let bytes = self.envelope(id)?;
        self.remove(id);
        Ok(bytes)
    }

    /// What [`Scheduler::emigrate`] would return, leaving the agent here.
    pub(crate) fn envelope(&self, id: AgentId) -> Result<Vec<u8>> {
        let agent = self
            .agents
            .get(&id)
            .ok_or_else(|| Error::msg(format!("no agent {id}")))?;
        let waiting = match &agent.state {
            AgentState::Runnable => None,
            AgentState::Waiting(w) => Some(w.clone()),
            _ => return Err(Error::msg(format!("agent {id} is over"))),
        };
        let snapshot = agent.vm.save()?;
        let inbox = self
            .shared
            .borrow()
            .inboxes
            .get(&id)
            .map(|q| q.iter().cloned().collect())
            .unwrap_or_default();
        let env = Envelope {
            magic: ENVELOPE_MAGIC.to_string(),
            version: ENVELOPE_VERSION,
            id,
            snapshot,
            inbox,
            waiting,
            clock: self.tick + agent.clock_offset,
            weight: agent.weight,
            fuel_limit: agent.fuel_limit,
            fuel_used: agent.fuel_used,
        };
        rmp_serde::to_vec(&env).map_err(|e| Error::msg(format!("cannot encode agent {id}: {e}")))
    }

    /// A digest of everything the scheduler holds: the tick, and each agent's state, budget,
    /// clock, inbox and VM snapshot (record/replay compares it after every run of ticks).
    pub(crate) fn state_digest(&self) -> Result<u64> {
        let mut all = format!("{} {} {:?}", self.tick, self.next_id, self.cursor).into_bytes();
        let shared = self.shared.borrow();
        for (id, a) in self.agents.iter() {
            let inbox = shared.inboxes.get(id);
            all.extend_from_slice(
                format!(
                    "|{id} {:?} {} {:?} {} {} {inbox:?}|",
                    a.state, a.weight, a.fuel_limit, a.fuel_used, a.clock_offset
                )
                .as_bytes(),
            );
            all.extend_from_slice(&a.vm.save()?);
        }
        all.extend_from_slice(format!("{:?}", shared.to_host).as_bytes());
        Ok(super::record::digest(&all))
    }

    /// Takes in an agent emigrated by [`Scheduler::emigrate`], with its id, messages, wait
    /// and clock. `opts` gives its host services and the host's registrations (they must
    /// cover every host function the snapshot names).
    ///
    /// # Errors
    /// Bytes that are not an emigrated agent (or damaged: never a panic), an id already
    /// here, or a restore error.
    pub fn immigrate(&mut self, bytes: &[u8], opts: VmOptions) -> Result<AgentId> {
        let env: Envelope = rmp_serde::from_slice(bytes)
            .map_err(|e| Error::msg(format!("not an emigrated agent: {e}")))?;
        if env.magic != ENVELOPE_MAGIC || env.version != ENVELOPE_VERSION {
            return Err(Error::msg("not an emigrated agent (or another version)"));
        }
        if env.id == HOST || self.agents.contains_key(&env.id) {
            return Err(Error::msg(format!("agent {} is already here", env.id)));
        }
        let vm = self.agent_options(opts).restore(&env.snapshot)?;
        let state = match env.waiting {
            None => AgentState::Runnable,
            Some(w) => AgentState::Waiting(w),
        };
        let id = env.id;
        self.insert(
            id,
            vm,
            state,
            env.clock,
            env.fuel_used,
            env.inbox.into_iter().collect(),
        );
        if let Some(a) = self.agents.get_mut(&id) {
            a.weight = env.weight;
            a.fuel_limit = env.fuel_limit;
        }
        self.next_id = self.next_id.max(id.0 + 1);
        Ok(id)
    }

    /// An agent's state.
    pub fn state(&self, id: AgentId) -> Option<&AgentState> {
        self.agents.get(&id).map(|a| &a.state)
    }

    /// Every agent's id and state, in id order.
    pub fn states(&self) -> impl Iterator<Item = (AgentId, &AgentState)> {
        self.agents.iter().map(|(id, a)| (*id, &a.state))
    }

    /// How many agents there are (over or not).
    pub fn len(&self) -> usize {
        self.agents.len()
    }

    /// Whether there are no agents.
    pub fn is_empty(&self) -> bool {
        self.agents.is_empty()
    }

    /// An agent's VM (to read its globals or memory).
    pub fn vm(&self, id: AgentId) -> Option<&Vm> {
        self.agents.get(&id).map(|a| &a.vm)
    }

    /// An agent's VM, mutable (to deliver to a host-registered wait: the agent is stepped on
    /// every tick while it waits in a kind the scheduler does not know).
    pub fn vm_mut(&mut self, id: AgentId) -> Option<&mut Vm> {
        self.agents.get_mut(&id).map(|a| &mut a.vm)
    }

    /// Fuel an agent has used (under every scheduler it ran in).
    pub fn fuel_used(&self, id: AgentId) -> Option<u64> {
        self.agents.get(&id).map(|a| a.fuel_used)
    }

    /// Sets an agent's weight: it gets `slice × weight` fuel per tick (0 pauses it).
    pub fn set_weight(&mut self, id: AgentId, weight: u32) {
        if let Some(a) = self.agents.get_mut(&id) {
            a.weight = weight;
        }
    }

    /// Sets an agent's total fuel budget (`None`: unlimited); past it the agent is
    /// [`StopReason::Fuel`].
    pub fn set_fuel_limit(&mut self, id: AgentId, limit: Option<u64>) {
        if let Some(a) = self.agents.get_mut(&id) {
            a.fuel_limit = limit;
        }
    }

    /// Ticks run so far.
    pub fn tick(&self) -> u64 {
        self.tick as u64
    }

    /// The messages waiting in an agent's inbox.
    pub fn inbox_len(&self, id: AgentId) -> usize {
        self.shared.borrow().inboxes.get(&id).map_or(0, |q| q.len())
    }
}

/// One agent's turn with `fuel` per unit of weight (fewer if its budget is nearly used).
fn turn(shared: &RefCell<Shared>, tick: i64, id: AgentId, agent: &mut Agent, fuel: u64) -> u64 {
    let now = tick + agent.clock_offset;
    let delivery = match &agent.state {
        AgentState::Runnable | AgentState::Waiting(WaitingOn::Other(_)) => None,
        AgentState::Waiting(WaitingOn::Sleep { until }) => {
            if now < *until {
                return 0;
            }
            None
        }
        AgentState::Waiting(WaitingOn::Message) => {
            let next = shared
                .borrow_mut()
                .inboxes
                .get_mut(&id)
                .and_then(|q| q.pop_front());
            let Some((from, m)) = next else { return 0 };
            Some((m, from.0 as i64))
        }
        _ => return 0,
    };
    let mut fuel = fuel.saturating_mul(u64::from(agent.weight));
    if let Some(limit) = agent.fuel_limit {
        let left = limit.saturating_sub(agent.fuel_used);
        if left == 0 {
            // The message is delivered all the same (the VM the host inspects has it).
            let state = match delivery.map(|d| agent.vm.deliver(d)) {
                Some(Err(e)) => fail(e),
                _ => AgentState::Stopped(StopReason::Fuel),
            };
            set_state(shared, id, agent, state);
            return 0;
        }
        fuel = fuel.min(left);
    }
    {
        let mut sh = shared.borrow_mut();
        sh.current = Some(id);
        sh.now = now;
        sh.receiving = false;
        sh.sleeping = None;
    }
    let before = agent.vm.fuel_used();
    let r = match delivery {
        None => agent.vm.step(fuel),
        // (An agent back in `receive()` or `sleep()` is known by the flags the natives set:
        // its wait's kind is not needed.)
        Some(d) => match agent.vm.deliver_and_step(d, fuel, || {
            let sh = shared.borrow();
            !sh.receiving && sh.sleeping.is_none()
        }) {
            Ok(r) => r,
            Err(e) => {
                shared.borrow_mut().current = None;
                set_state(shared, id, agent, fail(e));
                return 0;
            }
        },
    };
    let used = agent.vm.fuel_used() - before;
    agent.fuel_used += used;
    let (receiving, sleeping) = {
        let mut sh = shared.borrow_mut();
        sh.current = None;
        (sh.receiving, sh.sleeping)
    };
    // The common turn: the agent is back in `receive()` (most often it was there before).
    if receiving && matches!(r, StepResult::Waiting { .. }) {
        if !matches!(agent.state, AgentState::Waiting(WaitingOn::Message)) {
            agent.state = AgentState::Waiting(WaitingOn::Message);
        }
        return used;
    }
    let state = match r {
        StepResult::OutOfFuel | StepResult::Yielded(_) => {
            if agent.fuel_limit.is_some_and(|l| agent.fuel_used >= l) {
                AgentState::Stopped(StopReason::Fuel)
            } else {
                AgentState::Runnable
            }
        }
        StepResult::Waiting { kind } => AgentState::Waiting(if receiving {
            WaitingOn::Message
        } else if let Some(until) = sleeping {
            WaitingOn::Sleep { until }
        } else if kind == SLEEP_KIND {
            // Still asleep (a poll that did not end it): keep the wake time.
            match &agent.state {
                AgentState::Waiting(w @ WaitingOn::Sleep { .. }) => w.clone(),
                _ => WaitingOn::Other(kind),
            }
        } else if kind == DELIVERY_KIND && agent.state == AgentState::Waiting(WaitingOn::Message) {
            WaitingOn::Message
        } else {
            WaitingOn::Other(kind)
        }),
        StepResult::Finished(v) => AgentState::Finished(v),
        StepResult::Error(e) => {
            if e.message == crate::vm::error::NOT_ENOUGH_MEMORY {
                AgentState::Stopped(StopReason::Memory)
            } else {
                AgentState::Failed(e)
            }
        }
    };
    set_state(shared, id, agent, state);
    used
}

/// Sets an agent's state; an agent that is over loses its inbox (sends to it fail).
fn set_state(shared: &RefCell<Shared>, id: AgentId, agent: &mut Agent, state: AgentState) {
    if state.is_over() {
        shared.borrow_mut().inboxes.remove(&id);
    }
    agent.state = state;
}

/// The agent natives (see [`Scheduler::with_natives`]), reaching the scheduler through
/// `shared`.
fn natives(shared: &Rc<RefCell<Shared>>) -> Registrations {
    let (s1, s2, s3, s4, s5) = (
        shared.clone(),
        shared.clone(),
        shared.clone(),
        shared.clone(),
        shared.clone(),
    );
    VmOptions::new()
        .register_waiting("receive", move |_cx, ()| {
            let mut sh = s1.borrow_mut();
            let me = sh.current()?;
            match sh.inboxes.get_mut(&me).and_then(|q| q.pop_front()) {
                Some((from, m)) => Ok(Reply::Return((m, from.0 as i64))),
                None => {
                    sh.receiving = true;
                    Ok(Reply::Wait(Wait::delivery()))
                }
            }
        })
        .register("send", move |_cx, (to, m): (i64, Message)| {
            let mut sh = s2.borrow_mut();
            let me = sh.current()?;
            let to = u64::try_from(to).map(AgentId).unwrap_or(AgentId(u64::MAX));
            Ok(sh.send(me, to, m))
        })
        .register_waiting("sleep", move |_cx, ticks: i64| {
            let mut sh = s3.borrow_mut();
            sh.current()?;
            if ticks <= 0 {
                return Ok(Reply::Return(()));
            }
            let until = sh.now.saturating_add(ticks);
            sh.sleeping = Some(until);
            Ok(Reply::Wait(Wait::new(SLEEP_KIND, &until)?))
        })
        .register_wait_kind(SLEEP_KIND, 1, move |_cx, until: i64, _| {
            let sh = s4.borrow();
            Ok(if sh.now >= until {
                Resume::Return(Variadic(Vec::new()))
            } else {
                Resume::Wait(until)
            })
        })
        .register("agent_id", move |_cx, ()| {
            Ok(s5.borrow().current()?.0 as i64)
        })
        .registrations
}

/// An error from the host side of a turn, as the agent's failure.
fn fail(e: Error) -> AgentState {
    AgentState::Failed(RuntimeError {
        message: e.to_string(),
        traceback: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A turn delivers and steps in one entry into the VM (`Vm::deliver_and_step`): that
    /// must be exactly `deliver` then `step` (results, fuel, memory count, snapshot bytes),
    /// also under memory budgets tight enough that a step starts by collecting or by
    /// raising "not enough memory" (where it falls back to a plain step).
    #[test]
    fn deliver_and_step_is_deliver_then_step() {
        let mut base = VmOptions::new()
            .register_waiting("receive", |_cx, ()| Ok(Reply::<()>::Wait(Wait::delivery())))
            .build();
        base.load(
            b"local t, i = {}, 0
              while true do
                local s = receive()
                i = i + 1
                t[i % 40 + 1] = string.rep(s, i % 9 + 1) .. i
              end",
            "=t",
        )
        .unwrap();
        let image = base.image().unwrap();
        for limit in [None, Some(30_000), Some(34_000), Some(40_000), Some(60_000)] {
            let fork = || {
                let mut o = VmOptions::new();
                o.memory_limit = limit;
                image.fork_with_options(o).unwrap()
            };
            let (mut a, mut b) = (fork(), fork());
            assert_eq!(a.step(1_000), b.step(1_000));
            for i in 0..400 {
                let msg = "x".repeat(i % 37);
                let ra = a.deliver(msg.clone()).map(|()| a.step(300));
                let rb = b.deliver_and_step(msg, 300, || true);
                match (ra, rb) {
                    (Ok(ra), Ok(rb)) => assert_eq!(ra, rb, "{limit:?} {i}"),
                    (Err(ea), Err(eb)) => {
                        assert_eq!(ea.to_string(), eb.to_string());
                        break;
                    }
                    (ra, rb) => panic!("{limit:?} {i}: {ra:?} vs {rb:?}"),
                }
                assert_eq!(a.fuel_used(), b.fuel_used(), "{limit:?} {i}");
                assert_eq!(a.memory_used(), b.memory_used(), "{limit:?} {i}");
                if i % 61 == 0 {
                    assert_eq!(a.save().unwrap(), b.save().unwrap(), "{limit:?} {i}");
                }
            }
        }
    }
}
