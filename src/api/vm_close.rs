//! Ending what a VM runs from the host: closing it (Lua's `lua_close`), `os.exit`'s request
//! to the host, an error raised where a script stopped. A child of `api::vm`, so it works on
//! the `Vm`'s own fields.

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

    /// Makes the running coroutine raise an error with `message` as its value (a string, no
    /// position added) where the last step stopped it, as a debug hook raising an error
    /// there would: a `pcall` around that code catches it, `<close>` variables close, and an
    /// uncaught one ends the step with [`StepResult::Error`]. It is raised when the VM next
    /// runs ([`Vm::step`], [`Vm::step_call`]); a snapshot taken before that does not keep it,
    /// and a finished VM ignores it. The `telelua` command raises "interrupted!" this way on
    /// Ctrl-C, as `lua.c` does.
    ///
    /// ```
    /// use telelua::{StepResult, Vm};
    /// let mut vm = Vm::new();
    /// vm.load(b"local ok, e = pcall(function() while true do end end) return e", "=loop")
    ///     .unwrap();
    /// assert!(matches!(vm.step(10_000), StepResult::OutOfFuel));
    /// vm.raise_error("stop now");
    /// let StepResult::Finished(v) = vm.step(10_000) else { panic!() };
    /// assert_eq!(v[0].as_str().as_deref(), Some("stop now"));
    /// ```
    pub fn raise_error(&mut self, message: &str) {
        self.arena.mutate(|_, state| {
            *state.host_error.borrow_mut() = Some(message.as_bytes().into());
        });
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
