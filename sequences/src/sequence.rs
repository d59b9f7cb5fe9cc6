//! The `Sequence` contract.
//!
//! Design note. A sequence is a resumable unit of work held entirely in plain data. The host
//! (the VM) drives it by calling [`Sequence::step`] with a [`Fuel`] budget and whatever borrowed
//! input the sequence works on (for patterns, the subject and pattern bytes: they are *passed
//! in*, never stored, because the VM owns them and they may be megabytes long). A step returns
//! one of:
//!
//! * [`Step::NeedFuel`]: the budget ran out; call `step` again (after a snapshot, in another
//!   process, whenever) with more fuel;
//! * [`Step::Need`]: the sequence needs the host to do something it cannot (compare two Lua
//!   values, compute a gsub replacement). The host does it — possibly running Lua code,
//!   yielding, being snapshotted — then hands the result back with [`Sequence::answer`] and
//!   calls `step` again. Calling `step` before answering returns the same request again;
//! * [`Step::Done`]: finished, with the result;
//! * `Err(..)`: failed; the error is either a Lua error (with Lua's exact message) or a
//!   "corrupt state" error for inputs that do not match the state (a malicious snapshot).
//!
//! Every sequence has a stable, versioned [`Sequence::KIND`] tag and serde support, so the VM
//! can keep it in its own closed enum of native continuations and save/restore it by tag. A
//! kind's serialized form never changes meaning: a new layout gets a new `/vN` tag.

use crate::fuel::Fuel;
use serde::{Deserialize, Serialize};

/// The outcome of one [`Sequence::step`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step<T, Req> {
    /// The fuel budget is exhausted; call `step` again with more fuel.
    NeedFuel,
    /// A request to the host; answer it with [`Sequence::answer`], then call `step` again.
    Need(Req),
    /// Finished with a result. Stepping again after `Done` is sequence-specific (gmatch
    /// starts the next search; the others return an error).
    Done(T),
}

impl<T, Req> Step<T, Req> {
    /// The result, if `Done`.
    pub fn done(self) -> Option<T> {
        match self {
            Step::Done(t) => Some(t),
            _ => None,
        }
    }
}

/// An uninhabited type: the request/answer type of sequences that never ask the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Never {}

/// A resumable, fuel-metered, serializable unit of work.
///
/// See the module documentation for the driving protocol.
pub trait Sequence: Serialize + for<'de> Deserialize<'de> {
    /// Stable kind tag with a version, e.g. `"lua.sort/v1"`.
    const KIND: &'static str;
    /// What `step` borrows from the host on every call.
    type Input<'a>;
    /// The final result.
    type Output;
    /// What the sequence may ask of the host.
    type Request;
    /// The host's answer to a request.
    type Answer;
    /// Failure.
    type Error;

    /// Advance under `fuel`.
    ///
    /// # Errors
    /// A Lua error raised by the algorithm, or a corrupt-state error when the state or the
    /// input is inconsistent.
    fn step(
        &mut self,
        input: Self::Input<'_>,
        fuel: &mut Fuel,
    ) -> Result<Step<Self::Output, Self::Request>, Self::Error>;

    /// Hand back the answer to the pending request.
    ///
    /// # Errors
    /// When no request is pending (or the answer does not fit it).
    fn answer(&mut self, answer: Self::Answer) -> Result<(), Self::Error>;
}
