//! Closing a VM (Lua's `lua_close`) and `os.exit`'s request to the host. A child of
//! `api::vm`, so it works on the `Vm`'s own fields.

use super::*;

/// What `os.exit` asked of the host (standalone profile): the step that ran it returned
/// [`StepResult::Waiting`] with the kind `"os.exit"` (a library never ends the host's
/// process; the `telelua` command exits as `lua` does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitRequest {
    /// The exit status: `os.exit(true)` and no argument 0, `false` 1, else the integer.
    pub code: i32,
    /// `os.exit`'s second argument: close the VM first ([`Vm::begin_close`], then step until
    /// `Finished`), as `lua_close` does.
    pub close: bool,
}

impl Vm {
    /// Starts closing the VM, as Lua's `lua_close` does: the main coroutine's pending
    /// to-be-closed variables are closed (with a nil error; an error in one goes to the next
    /// and is then dropped), then the finalizers of every object still marked for
    /// finalization (reachable or not, newest mark first, after those already due) run, as
    /// ordinary Lua calls, in the following [`Vm::step`]s (they pay fuel and may be preempted
    /// and saved like any code; an error in one becomes a warning). Step until `Finished`.
    /// Whatever the main coroutine was doing is abandoned. False (and nothing changes) if the
    /// VM is already closing — unless it waits in `os.exit` (see [`Vm::exit_request`]): a
    /// close asked for while closing abandons the finalizer that asked and goes on with
    /// those still due, as a nested `lua_close` does.
    pub fn begin_close(&mut self) -> bool {
        let again = self.exit_request().is_some();
        let _memory = self.memory.enter();
        self.complete_fork();
        let Some(closer) = self
            .registry
            .native(crate::stdlib::coroutine::CLOSE_STATE.name)
        else {
            return false;
        };
        self.arena
            .mutate(|mc, state| crate::vm::gc::begin_close(Ctx { mc, state }, closer, again))
    }

    /// [`Vm::begin_close`], then runs the finalizers for about `fuel` units: `Finished` when
    /// all have run, `OutOfFuel` if more remain (call [`Vm::step`] to go on).
    pub fn close(&mut self, fuel: u64) -> StepResult {
        self.begin_close();
        self.step(fuel)
    }

    /// What the script asked for if the last step ended in `os.exit` (its result was
    /// `Waiting { kind: "os.exit" }`); `None` otherwise. Stepping on resumes nothing: the
    /// wait never ends (a step raises "host wait kind 'os.exit' is not registered").
    pub fn exit_request(&self) -> Option<ExitRequest> {
        self.arena.mutate(|mc, state| {
            waiting_in(Ctx { mc, state }, |wait| {
                if wait.kind != crate::stdlib::os::EXIT_WAIT {
                    return None;
                }
                let (code, close) = crate::stdlib::os::exit_request(&wait.state)?;
                Some(ExitRequest { code, close })
            })
            .flatten()
        })
    }
}
