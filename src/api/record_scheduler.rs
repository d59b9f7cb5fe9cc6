//! Record and replay of a whole [`Scheduler`] run: every agent that came in (as the bytes it
//! would emigrate as), every message the host posted, every run of ticks with the fuel it
//! used and a digest of the scheduler's whole state after it, and what the host took out.
//!
//! Agents talk to each other and wait through the scheduler's own natives, which are
//! deterministic given these inputs, so replaying them on a new scheduler with the same
//! options must give the same fuel, messages and states, tick for tick. Host functions the
//! host registered in agents run again at replay (they must answer the same way); record a
//! single VM with [`super::record::Recorder`] to take a host function's answers from the
//! journal instead.

use serde::{Deserialize, Serialize};

use super::error::{Error, Result};
use super::message::Message;
use super::options::VmOptions;
use super::record::{digest, Divergence};
use super::scheduler::{AgentId, Scheduler, SchedulerOptions};
use super::vm::Image;

/// Format version of a serialized [`SchedulerJournal`].
pub const SCHEDULER_JOURNAL_VERSION: u32 = 1;

/// One thing the host did with the scheduler.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SchedulerEntry {
    /// An agent came in (spawned or immigrated): the bytes it would emigrate as.
    Arrived(#[serde(with = "serde_bytes")] Vec<u8>),
    /// The host posted a message.
    Post(AgentId, Message),
    /// The host ran ticks.
    Ran {
        /// How many.
        ticks: u64,
        /// The fuel agents used.
        fuel: u64,
        /// Digest of the scheduler's whole state after them.
        state: u64,
    },
    /// The host took the messages agents had sent it.
    Took(Vec<(AgentId, Message)>),
    /// The host stopped an agent.
    Stop(AgentId),
    /// An agent left (emigrated or removed): the digest of the bytes it left as.
    Left(AgentId, u64),
    /// The host set an agent's weight.
    Weight(AgentId, u32),
}

/// A recorded scheduler run (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SchedulerJournal {
    /// [`SCHEDULER_JOURNAL_VERSION`].
    pub version: u32,
    /// The scheduler's options.
    pub options: SchedulerOptions,
    /// What happened, in order.
    pub entries: Vec<SchedulerEntry>,
}

impl SchedulerJournal {
    /// The journal as bytes (MessagePack).
    ///
    /// # Errors
    /// Encoding failures.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        rmp_serde::to_vec(self).map_err(|e| Error::msg(format!("cannot encode the journal: {e}")))
    }

    /// A journal from bytes made by [`SchedulerJournal::to_bytes`].
    ///
    /// # Errors
    /// Bytes that are not a scheduler journal of this version: never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<SchedulerJournal> {
        let j: SchedulerJournal = rmp_serde::from_slice(bytes)
            .map_err(|e| Error::msg(format!("not a telelua scheduler journal: {e}")))?;
        if j.version != SCHEDULER_JOURNAL_VERSION {
            return Err(Error::msg(format!(
                "scheduler journal version {} (this build reads {SCHEDULER_JOURNAL_VERSION})",
                j.version
            )));
        }
        Ok(j)
    }
}

/// A scheduler whose run is recorded: drive it through these methods (they mirror
/// [`Scheduler`]'s); read it through [`SchedulerRecorder::scheduler`].
pub struct SchedulerRecorder {
    sched: Scheduler,
    journal: SchedulerJournal,
}

impl SchedulerRecorder {
    /// A new, empty scheduler, recorded from its start.
    pub fn new(opts: SchedulerOptions) -> SchedulerRecorder {
        SchedulerRecorder {
            journal: SchedulerJournal {
                version: SCHEDULER_JOURNAL_VERSION,
                options: opts.clone(),
                entries: Vec::new(),
            },
            sched: Scheduler::new(opts),
        }
    }

    /// The scheduler, to read states, VMs and counters.
    pub fn scheduler(&self) -> &Scheduler {
        &self.sched
    }

    /// [`Scheduler::with_natives`].
    pub fn with_natives(&self, opts: VmOptions) -> VmOptions {
        self.sched.with_natives(opts)
    }

    fn arrived(&mut self, id: AgentId) -> Result<AgentId> {
        let bytes = self.sched.envelope(id)?;
        self.journal.entries.push(SchedulerEntry::Arrived(bytes));
        Ok(id)
    }

    /// [`Scheduler::spawn_from_image`], recorded.
    ///
    /// # Errors
    /// As [`Scheduler::spawn_from_image`], or an agent that cannot be saved.
    pub fn spawn_from_image(&mut self, image: &Image, opts: VmOptions) -> Result<AgentId> {
        let id = self.sched.spawn_from_image(image, opts)?;
        self.arrived(id)
    }

    /// [`Scheduler::immigrate`], recorded.
    ///
    /// # Errors
    /// As [`Scheduler::immigrate`].
    pub fn immigrate(&mut self, bytes: &[u8], opts: VmOptions) -> Result<AgentId> {
        let id = self.sched.immigrate(bytes, opts)?;
        self.arrived(id)
    }

    /// [`Scheduler::post`], recorded.
    ///
    /// # Errors
    /// As [`Scheduler::post`].
    pub fn post(&mut self, id: AgentId, m: Message) -> Result<()> {
        self.sched.post(id, m.clone())?;
        self.journal.entries.push(SchedulerEntry::Post(id, m));
        Ok(())
    }

    /// [`Scheduler::run_ticks`], recorded (with a digest of every agent's state after).
    ///
    /// # Errors
    /// An agent that cannot be saved for the digest.
    pub fn run_ticks(&mut self, ticks: u64) -> Result<u64> {
        let fuel = self.sched.run_ticks(ticks);
        let state = self.sched.state_digest()?;
        self.journal
            .entries
            .push(SchedulerEntry::Ran { ticks, fuel, state });
        Ok(fuel)
    }

    /// [`Scheduler::take_host_messages`], recorded.
    pub fn take_host_messages(&mut self) -> Vec<(AgentId, Message)> {
        let m = self.sched.take_host_messages();
        self.journal.entries.push(SchedulerEntry::Took(m.clone()));
        m
    }

    /// [`Scheduler::stop`], recorded.
    pub fn stop(&mut self, id: AgentId) {
        self.sched.stop(id);
        self.journal.entries.push(SchedulerEntry::Stop(id));
    }

    /// [`Scheduler::set_weight`], recorded.
    pub fn set_weight(&mut self, id: AgentId, weight: u32) {
        self.sched.set_weight(id, weight);
        self.journal
            .entries
            .push(SchedulerEntry::Weight(id, weight));
    }

    /// [`Scheduler::emigrate`], recorded.
    ///
    /// # Errors
    /// As [`Scheduler::emigrate`].
    pub fn emigrate(&mut self, id: AgentId) -> Result<Vec<u8>> {
        let bytes = self.sched.emigrate(id)?;
        self.journal
            .entries
            .push(SchedulerEntry::Left(id, digest(&bytes)));
        Ok(bytes)
    }

    /// Ends the recording: the scheduler and the journal.
    pub fn finish(self) -> (Scheduler, SchedulerJournal) {
        (self.sched, self.journal)
    }
}

/// Replays a scheduler journal on a new scheduler; `agent_options` gives each arriving
/// agent's host services and registrations (as the recording host gave them). Every run of
/// ticks must use the recorded fuel and leave the recorded state, every message taken and
/// every agent leaving must be the same.
///
/// # Errors
/// The first [`Divergence`] (its `step` counts runs of ticks).
pub fn replay_scheduler(
    journal: &SchedulerJournal,
    agent_options: impl Fn() -> VmOptions,
) -> std::result::Result<Scheduler, Divergence> {
    let mut sched = Scheduler::new(journal.options.clone());
    let mut runs = 0;
    for (at, e) in journal.entries.iter().enumerate() {
        let fail = |runs: usize, what: String| Divergence {
            step: runs,
            fuel: 0,
            entry: at,
            what,
        };
        match e {
            SchedulerEntry::Arrived(bytes) => {
                sched
                    .immigrate(bytes, agent_options())
                    .map_err(|e| fail(runs, format!("an agent does not come in: {e}")))?;
            }
            SchedulerEntry::Post(id, m) => sched
                .post(*id, m.clone())
                .map_err(|e| fail(runs, format!("posting to agent {id}: {e}")))?,
            SchedulerEntry::Ran { ticks, fuel, state } => {
                runs += 1;
                let used = sched.run_ticks(*ticks);
                if used != *fuel {
                    return Err(fail(
                        runs,
                        format!("{ticks} ticks used {used} fuel, where the recording has {fuel}"),
                    ));
                }
                let now = sched
                    .state_digest()
                    .map_err(|e| fail(runs, format!("cannot save an agent: {e}")))?;
                if now != *state {
                    let states: Vec<String> = sched
                        .states()
                        .map(|(id, s)| format!("{id}: {s:?}"))
                        .collect();
                    return Err(fail(
                        runs,
                        format!(
                            "the agents' state differs from the recording's after {ticks} ticks (now: {})",
                            states.join(", ")
                        ),
                    ));
                }
            }
            SchedulerEntry::Took(recorded) => {
                let got = sched.take_host_messages();
                if &got != recorded {
                    return Err(fail(
                        runs,
                        format!("the host got {got:?}, where the recording has {recorded:?}"),
                    ));
                }
            }
            SchedulerEntry::Stop(id) => sched.stop(*id),
            SchedulerEntry::Weight(id, w) => sched.set_weight(*id, *w),
            SchedulerEntry::Left(id, d) => {
                let bytes = sched
                    .emigrate(*id)
                    .map_err(|e| fail(runs, format!("agent {id} cannot leave: {e}")))?;
                if digest(&bytes) != *d {
                    return Err(fail(
                        runs,
                        format!("agent {id} left as other bytes than in the recording"),
                    ));
                }
            }
        }
    }
    Ok(sched)
}
