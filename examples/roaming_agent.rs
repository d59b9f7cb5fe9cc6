//! An agent that roams between two server processes through Redis Streams.
//!
//! Server A and server B are separate OS processes, each running a [`Scheduler`]. They share
//! nothing but a Redis server: each reads its own stream (`…to:A`, `…to:B`) through a
//! consumer group, so the same code works when A, B and Redis are on three machines. The
//! agent starts on A, builds up state (tables, a closure, a coroutine half-way through its
//! loop) and asks to travel while it is half-way through a `for` over `pairs` and inside a
//! `gsub` callback. A emigrates it — snapshot bytes plus its id, a hop number and a SHA-256
//! checksum — to B's stream; B restores it and it continues where it was; later it hops
//! back to A, and finishes there. Its output (kept in order in a Redis list) is identical to
//! a run on one server.
//!
//! Nothing is lost or duplicated:
//! - A keeps the agent's bytes until B acknowledges the hop (B acknowledges in the same
//!   `MULTI` that records the hop as accepted and `XACK`s the entry).
//! - A B killed after reading an entry but before acknowledging it leaves the entry pending
//!   in the consumer group; the next B claims it (`XAUTOCLAIM`) and takes the agent in.
//! - A hop B has already accepted (a resent or duplicated entry) is recognised by its hop
//!   number and ignored.
//! - A corrupted entry (checksum mismatch) or a truncated one (checksum right, bytes not an
//!   agent) is rejected with an error sent back to A, which keeps the agent.
//!
//! The demo exercises all four: A's first hop goes out as a corrupted entry, a truncated
//! entry, the real one and a duplicate of it, and the first B is killed (SIGKILL) while it
//! holds the real one unacknowledged.
//!
//! Run it with `cargo run --release --example roaming_agent` (it starts `redis-server` from
//! `PATH` on a free loopback port, or uses the one at `ROAM_REDIS_URL`). Servers are this
//! same program started as `roaming_agent server` with their settings in `ROAM_*` variables.

use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use redis::streams::StreamReadReply;
use redis::streams::{StreamAutoClaimOptions, StreamAutoClaimReply, StreamId, StreamReadOptions};
use redis::{Commands, Connection};
use sha2::{Digest, Sha256};
use telelua::{AgentId, AgentState, Message, Scheduler, SchedulerOptions, VmOptions};

type Res<T> = Result<T, Box<dyn Error>>;

/// The roaming agent. `travel(to)` asks its host to move it and waits (in `receive()`) for
/// the arrival message, which carries the hop number.
const AGENT: &str = r#"
local hops = {}
local function travel(to)
  send(0, {travel = to})
  local msg = receive()
  hops[#hops + 1] = msg.hop
  return msg.hop
end
local bag = {apple = 3, pear = 5, fig = 2, plum = 7}
local total = 0
local function add(n) total = total + n return total end      -- a closure over `total`
local squares = coroutine.wrap(function()                      -- a coroutine, mid-loop
  for i = 1, math.huge do coroutine.yield(i * i) end
end)
print("start", squares(), squares())
for name, n in pairs(bag) do                                   -- half-way through pairs ...
  print("item", name, n, add(n))
  if name == "pear" then
    local text = ("one two three"):gsub("%a+", function(w)     -- ... inside a gsub callback
      if w == "two" then print("hop", travel("B"), "during", w) end
      return w:upper() .. squares()
    end)
    print("gsub", text)
  end
end
for name, n in pairs(bag) do
  if name == "fig" then print("hop", travel("A"), "during pairs") end
  print("again", name, add(n))
end
print("done", total, squares(), table.concat(hops, ","))
return total
"#;

/// Fuel each agent gets per scheduler tick (small, so the agent is preempted often).
const SLICE: u64 = 300;

/// How long a demo may take before it is abandoned as hung.
const DEADLINE: Duration = Duration::from_secs(60);

/// What the demo saw.
#[derive(Debug)]
pub struct Report {
    /// The agent's output, as the two servers produced it.
    pub output: Vec<String>,
    /// The same agent's output run on one server.
    pub reference: Vec<String>,
    /// Where it finished and what it returned.
    pub finished: String,
    /// Hops accepted.
    pub hops: i64,
    /// Entries rejected as damaged.
    pub rejected: i64,
    /// Entries recognised as hops already accepted.
    pub duplicates: i64,
    /// Entries claimed from a consumer that died before acknowledging them.
    pub reclaimed: i64,
    /// The servers' log, in order.
    pub log: Vec<String>,
}

/// Runs the demo: both servers as child processes started by `server` (given the role's
/// environment), a crash of the first B, damaged entries, and a comparison with a run on one
/// server.
///
/// # Errors
/// No `redis-server`, a server that fails, or the deadline passing.
pub fn run(server: &dyn Fn() -> Command) -> Res<Report> {
    let redis = RedisServer::start()?;
    let mut con = redis.connect()?;
    let p = format!("roam:{}:", std::process::id());
    for name in ["A", "B"] {
        let _: () = con.xgroup_create_mkstream(format!("{p}to:{name}"), "servers", "$")?;
    }
    let spawn = |name: &str, consumer: &str, faults: &str| -> Res<Child> {
        let mut cmd = server();
        cmd.env("ROAM_REDIS_URL", &redis.url)
            .env("ROAM_PREFIX", &p)
            .env("ROAM_NAME", name)
            .env("ROAM_CONSUMER", consumer)
            .env("ROAM_FAULTS", faults)
            .stdout(Stdio::null());
        Ok(cmd.spawn()?)
    };
    let mut children = Children(Vec::new());
    children
        .0
        .push(spawn("A", "A-1", "start,damage-first-hop")?);
    children.0.push(spawn("B", "B-1", "hang-before-ack")?);
    let start = Instant::now();
    // Kill the first B while it holds the agent unacknowledged, then start another.
    wait_for(&mut con, &format!("{p}hung:B-1"), start)?;
    let mut b1 = children.0.pop().ok_or("no B-1")?;
    b1.kill()?;
    b1.wait()?;
    children.0.push(spawn("B", "B-2", "")?);
    let finished: String = wait_for(&mut con, &format!("{p}done"), start)?;
    for name in ["A", "B"] {
        let _: String = con.xadd(format!("{p}to:{name}"), "*", &[("kind", "shutdown")])?;
    }
    for child in &mut children.0 {
        let status = child.wait()?;
        if !status.success() {
            return Err(format!("a server exited with {status}").into());
        }
    }
    children.0.clear();
    let stat = |con: &mut Connection, f: &str| -> Res<i64> {
        Ok(con
            .hget::<_, _, Option<i64>>(format!("{p}stats"), f)?
            .unwrap_or(0))
    };
    Ok(Report {
        output: con.lrange(format!("{p}output"), 0, -1)?,
        reference: reference_output()?,
        finished,
        hops: stat(&mut con, "hops")?,
        rejected: stat(&mut con, "rejected")?,
        duplicates: stat(&mut con, "duplicates")?,
        reclaimed: stat(&mut con, "reclaimed")?,
        log: con.lrange(format!("{p}log"), 0, -1)?,
    })
}

/// Waits until `key` is set and returns its value.
fn wait_for(con: &mut Connection, key: &str, start: Instant) -> Res<String> {
    loop {
        if let Some(v) = con.get::<_, Option<String>>(key)? {
            return Ok(v);
        }
        if start.elapsed() > DEADLINE {
            return Err(format!("gave up waiting for {key}").into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Child processes, killed if the demo ends early.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A `redis-server` on a free loopback port (or the one at `ROAM_REDIS_URL`), stopped on drop.
struct RedisServer {
    url: String,
    child: Option<Child>,
}

impl RedisServer {
    fn start() -> Res<RedisServer> {
        if let Ok(url) = std::env::var("ROAM_REDIS_URL") {
            return Ok(RedisServer { url, child: None });
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start redis-server ({e}): install it (apt-get install redis-server)"
                )
            })?;
        let server = RedisServer {
            url: format!("redis://127.0.0.1:{port}/"),
            child: Some(child),
        };
        let start = Instant::now();
        while server.connect().is_err() {
            if start.elapsed() > Duration::from_secs(10) {
                return Err("redis-server did not start".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }

    fn connect(&self) -> Res<Connection> {
        let mut con = redis::Client::open(self.url.as_str())?.get_connection()?;
        redis::cmd("PING").query::<String>(&mut con)?;
        Ok(con)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The agent's output when it runs on one server (travel requests answered at once).
pub fn reference_output() -> Res<Vec<String>> {
    let out = Rc::new(RefCell::new(Vec::new()));
    let mut sched = Scheduler::new(SchedulerOptions {
        slice: SLICE,
        ..SchedulerOptions::default()
    });
    let id = spawn_agent(&mut sched, &out)?;
    let mut hop = 0;
    while !sched.state(id).is_some_and(|s| s.is_over()) {
        sched.run_ticks(1);
        for (from, m) in sched.take_host_messages() {
            if field(&m, "travel").is_some() {
                hop += 1;
                sched.post(from, arrival(hop))?;
            }
        }
    }
    let done = lines(&mut out.borrow_mut());
    Ok(done)
}

/// Starts the agent in `sched`, its output going to `out`.
fn spawn_agent(sched: &mut Scheduler, out: &Rc<RefCell<Vec<u8>>>) -> Res<AgentId> {
    let mut base = sched.with_natives(print_to(out)).build();
    base.load(AGENT.as_bytes(), "=agent")
        .map_err(telelua::Error::from)?;
    Ok(sched.spawn_from_image(&base.image()?, print_to(out))?)
}

/// Options whose `print` appends to `out`.
fn print_to(out: &Rc<RefCell<Vec<u8>>>) -> VmOptions {
    let out = out.clone();
    VmOptions::new().print(move |b| out.borrow_mut().extend_from_slice(b))
}

/// The complete lines of `out` (taken out of it).
fn lines(out: &mut Vec<u8>) -> Vec<String> {
    let Some(end) = out.iter().rposition(|&b| b == b'\n') else {
        return Vec::new();
    };
    let done: Vec<u8> = out.drain(..=end).collect();
    String::from_utf8_lossy(&done[..end])
        .split('\n')
        .map(String::from)
        .collect()
}

/// The message an agent receives on arrival.
fn arrival(hop: i64) -> Message {
    Message::Table(vec![(Message::from("hop"), Message::Int(hop))])
}

/// `m[name]` of a table message.
fn field<'m>(m: &'m Message, name: &str) -> Option<&'m Message> {
    match m {
        Message::Table(pairs) => pairs
            .iter()
            .find(|(k, _)| k.as_str().as_deref() == Some(name))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// A server's settings (from the `ROAM_*` environment variables).
struct Server {
    con: Connection,
    /// Key prefix shared by both servers.
    p: String,
    name: String,
    consumer: String,
    faults: String,
    sched: Scheduler,
    out: Rc<RefCell<Vec<u8>>>,
    /// Agents sent and not yet acknowledged: the only copy is here until then.
    held: HashMap<u64, (i64, Vec<u8>)>,
    /// The hop each agent here arrived with.
    hops: HashMap<AgentId, i64>,
}

/// Runs a server with its settings from the environment, until a `shutdown` entry.
///
/// # Errors
/// Missing settings or a failing Redis.
pub fn serve_from_env() -> Res<()> {
    let var = |k: &str| std::env::var(k).map_err(|_| format!("{k} is not set"));
    let con = redis::Client::open(var("ROAM_REDIS_URL")?.as_str())?.get_connection()?;
    let out = Rc::new(RefCell::new(Vec::new()));
    let mut server = Server {
        con,
        p: var("ROAM_PREFIX")?,
        name: var("ROAM_NAME")?,
        consumer: var("ROAM_CONSUMER")?,
        faults: var("ROAM_FAULTS").unwrap_or_default(),
        sched: Scheduler::new(SchedulerOptions {
            slice: SLICE,
            ..SchedulerOptions::default()
        }),
        out,
        held: HashMap::new(),
        hops: HashMap::new(),
    };
    if server.faults.contains("start") {
        let id = spawn_agent(&mut server.sched, &server.out)?;
        server.hops.insert(id, 0);
        server.log(&format!("agent {id} starts here"))?;
    }
    server.serve()
}

impl Server {
    fn serve(&mut self) -> Res<()> {
        let inbox = format!("{}to:{}", self.p, self.name);
        let start = Instant::now();
        // A server starting up takes over whatever a dead predecessor read and never
        // acknowledged, before anything new; later, entries idle for a while.
        let mut min_idle = 0;
        loop {
            if start.elapsed() > DEADLINE * 2 {
                return Err("no shutdown came".into());
            }
            if !self.claim_pending(&inbox, min_idle)? {
                return Ok(());
            }
            min_idle = 200;
            self.run_agents()?;
            let busy = self.sched.states().any(|(_, s)| !s.is_over());
            let mut opts = StreamReadOptions::default()
                .group("servers", &self.consumer)
                .count(10);
            if !busy {
                opts = opts.block(50);
            }
            let read: Option<StreamReadReply> = self.con.xread_options(&[&inbox], &[">"], &opts)?;
            for entry in read.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids) {
                if !self.handle(&inbox, &entry)? {
                    return Ok(());
                }
            }
        }
    }

    /// Handles the entries of `inbox` that another consumer read and has not acknowledged
    /// for `min_idle` ms (it died, or hangs); false on `shutdown`.
    fn claim_pending(&mut self, inbox: &str, min_idle: usize) -> Res<bool> {
        let claimed: StreamAutoClaimReply = self.con.xautoclaim_options(
            inbox,
            "servers",
            &self.consumer,
            min_idle,
            "0-0",
            StreamAutoClaimOptions::default().count(10),
        )?;
        for entry in claimed.claimed {
            self.incr("reclaimed")?;
            self.log(&format!(
                "claimed entry {} left by a dead consumer",
                entry.id
            ))?;
            if !self.handle(inbox, &entry)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// One tick for the agents here; their output goes out before anything else can move
    /// them, and travel requests and finished agents are dealt with.
    fn run_agents(&mut self) -> Res<()> {
        if self.sched.is_empty() {
            return Ok(());
        }
        self.sched.run_ticks(1);
        let done = lines(&mut self.out.borrow_mut());
        if !done.is_empty() {
            let _: () = self.con.rpush(format!("{}output", self.p), done)?;
        }
        for (id, m) in self.sched.take_host_messages() {
            if let Some(Message::Str(to)) = field(&m, "travel") {
                let to = String::from_utf8_lossy(to).into_owned();
                self.send_agent(id, &to)?;
            }
        }
        let over: Vec<(AgentId, AgentState)> = self
            .sched
            .states()
            .filter(|(_, s)| s.is_over())
            .map(|(id, s)| (id, s.clone()))
            .collect();
        for (id, state) in over {
            self.sched.remove(id);
            self.log(&format!("agent {id} ended: {state:?}"))?;
            let _: () = self.con.set(
                format!("{}done", self.p),
                format!("on {}: {state:?}", self.name),
            )?;
        }
        Ok(())
    }

    /// Emigrates agent `id` to server `to` and keeps its bytes until `to` acknowledges.
    fn send_agent(&mut self, id: AgentId, to: &str) -> Res<()> {
        let hop = self.hops.remove(&id).unwrap_or(0) + 1;
        let bytes = self.sched.emigrate(id)?;
        self.held.insert(id.0, (hop, bytes.clone()));
        self.log(&format!(
            "agent {id} leaves for {to} (hop {hop}, {} bytes)",
            bytes.len()
        ))?;
        let stream = format!("{}to:{to}", self.p);
        if self.faults.contains("damage-first-hop") && hop == 1 {
            let mut corrupted = bytes.clone();
            let mid = corrupted.len() / 2;
            corrupted[mid] ^= 0x5a;
            self.xadd_agent(&stream, id, hop, &corrupted, &checksum(&bytes))?;
            let truncated = &bytes[..bytes.len() / 2];
            self.xadd_agent(&stream, id, hop, truncated, &checksum(truncated))?;
            self.xadd_agent(&stream, id, hop, &bytes, &checksum(&bytes))?;
            // As a sender that timed out and resent would.
            return self.xadd_agent(&stream, id, hop, &bytes, &checksum(&bytes));
        }
        self.xadd_agent(&stream, id, hop, &bytes, &checksum(&bytes))
    }

    fn xadd_agent(&mut self, stream: &str, id: AgentId, hop: i64, b: &[u8], sum: &str) -> Res<()> {
        redis::cmd("XADD")
            .arg(stream)
            .arg("*")
            .arg("kind")
            .arg("agent")
            .arg("agent")
            .arg(id.0)
            .arg("hop")
            .arg(hop)
            .arg("from")
            .arg(&self.name)
            .arg("sum")
            .arg(sum)
            .arg("bytes")
            .arg(b)
            .query::<String>(&mut self.con)?;
        Ok(())
    }

    /// Handles one entry of this server's stream; false on `shutdown`.
    fn handle(&mut self, inbox: &str, e: &StreamId) -> Res<bool> {
        let kind: String = e.get("kind").unwrap_or_default();
        let agent: u64 = e.get("agent").unwrap_or(0);
        let hop: i64 = e.get("hop").unwrap_or(0);
        match kind.as_str() {
            "shutdown" => {
                let _: () = self.con.xack(inbox, "servers", &[&e.id])?;
                return Ok(false);
            }
            "ack" => {
                if self.held.get(&agent).is_some_and(|(h, _)| *h == hop) {
                    self.held.remove(&agent);
                    self.log(&format!(
                        "hop {hop} of agent #{agent} acknowledged: copy dropped"
                    ))?;
                }
            }
            "reject" => {
                let why: String = e.get("error").unwrap_or_default();
                let kept = self.held.contains_key(&agent);
                self.log(&format!(
                    "hop {hop} of agent #{agent} rejected ({why}); still held here: {kept}"
                ))?;
            }
            "agent" => self.take_in(inbox, e, agent, hop)?,
            other => self.log(&format!("unknown entry kind '{other}' ignored"))?,
        }
        if kind != "agent" {
            let _: () = self.con.xack(inbox, "servers", &[&e.id])?;
        }
        Ok(true)
    }

    /// An agent entry: checked, deduplicated, taken in, acknowledged.
    fn take_in(&mut self, inbox: &str, e: &StreamId, agent: u64, hop: i64) -> Res<()> {
        let from: String = e.get("from").unwrap_or_default();
        let sum: String = e.get("sum").unwrap_or_default();
        let bytes: Vec<u8> = e.get("bytes").unwrap_or_default();
        let accepted = format!("{}accepted:{}", self.p, self.name);
        let last: Option<i64> = self.con.hget(&accepted, agent)?;
        if last.is_some_and(|l| hop <= l) {
            self.incr("duplicates")?;
            self.log(&format!(
                "hop {hop} of agent #{agent} already accepted: ignored"
            ))?;
            return self.reply(inbox, &e.id, &from, "ack", agent, hop, "");
        }
        if checksum(&bytes) != sum {
            return self.reject(inbox, e, &from, agent, hop, "checksum mismatch");
        }
        let id = match self.sched.immigrate(&bytes, print_to(&self.out)) {
            Ok(id) => id,
            Err(err) => return self.reject(inbox, e, &from, agent, hop, &err.to_string()),
        };
        if self.faults.contains("hang-before-ack") {
            // Die here (the demo kills this process): the agent restored in this process is
            // lost with it, and the entry stays pending for this consumer, unacknowledged.
            let _: () = self
                .con
                .set(format!("{}hung:{}", self.p, self.consumer), 1)?;
            loop {
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        redis::pipe()
            .atomic()
            .hset(&accepted, agent, hop)
            .ignore()
            .xack(inbox, "servers", &[&e.id])
            .ignore()
            .hincr(format!("{}stats", self.p), "hops", 1)
            .ignore()
            .query::<()>(&mut self.con)?;
        self.reply_entry(&from, "ack", agent, hop, "")?;
        self.hops.insert(id, hop);
        self.log(&format!("agent {id} arrives from {from} (hop {hop})"))?;
        self.sched.post(id, arrival(hop))?;
        Ok(())
    }

    fn reject(
        &mut self,
        inbox: &str,
        e: &StreamId,
        to: &str,
        agent: u64,
        hop: i64,
        why: &str,
    ) -> Res<()> {
        self.incr("rejected")?;
        self.log(&format!(
            "entry {} for agent #{agent} rejected: {why}",
            e.id
        ))?;
        self.reply(inbox, &e.id, to, "reject", agent, hop, why)
    }

    /// Acknowledges entry `entry` and tells `to` the outcome.
    #[allow(clippy::too_many_arguments)]
    fn reply(
        &mut self,
        inbox: &str,
        entry: &str,
        to: &str,
        kind: &str,
        agent: u64,
        hop: i64,
        why: &str,
    ) -> Res<()> {
        let _: () = self.con.xack(inbox, "servers", &[entry])?;
        self.reply_entry(to, kind, agent, hop, why)
    }

    fn reply_entry(&mut self, to: &str, kind: &str, agent: u64, hop: i64, why: &str) -> Res<()> {
        let _: String = self.con.xadd(
            format!("{}to:{to}", self.p),
            "*",
            &[
                ("kind", kind.to_string()),
                ("agent", agent.to_string()),
                ("hop", hop.to_string()),
                ("error", why.to_string()),
            ],
        )?;
        Ok(())
    }

    fn incr(&mut self, stat: &str) -> Res<()> {
        let _: () = self.con.hincr(format!("{}stats", self.p), stat, 1)?;
        Ok(())
    }

    fn log(&mut self, line: &str) -> Res<()> {
        let line = format!("{} ({}): {line}", self.name, self.consumer);
        let _: () = self.con.rpush(format!("{}log", self.p), line)?;
        Ok(())
    }
}

/// The SHA-256 of `bytes`, in hex.
fn checksum(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn main() -> Res<()> {
    if std::env::args().nth(1).as_deref() == Some("server") {
        return serve_from_env();
    }
    let exe = std::env::current_exe()?;
    let report = run(&|| {
        let mut c = Command::new(&exe);
        c.arg("server");
        c
    })?;
    for line in &report.log {
        println!("{line}");
    }
    println!("--- the agent's output (across both servers)");
    for line in &report.output {
        println!("{line}");
    }
    println!(
        "--- finished {}; {} hops accepted, {} entries rejected, {} duplicates ignored, {} reclaimed",
        report.finished, report.hops, report.rejected, report.duplicates, report.reclaimed
    );
    if report.output != report.reference {
        return Err("the output differs from a run on one server".into());
    }
    println!("identical to a run on one server");
    Ok(())
}
