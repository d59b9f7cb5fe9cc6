//! `os.exit` in the `telelua` command and through the library: the status, and with `close`
//! the state closed first as `lua_close` does (the main coroutine's pending to-be-closed
//! variables, then every finalizer; a nested close from a finalizer). Expected outputs are
//! what `lua5.4` prints for the same scripts; each also runs with snapshot round trips and
//! forks at every few fuel units.

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use telelua::{ExitRequest, Host, Profile, Registry, StepResult, Vm};

const BIN: &str = env!("CARGO_BIN_EXE_telelua");

/// Runs `script` (written to a scratch file) with `options` before it: (stdout, status).
fn run(name: &str, script: &str, options: &[&str]) -> (String, Option<i32>) {
    let dir = std::env::temp_dir().join(format!(
        "telelua-cli-exit-{}-{name}-{}",
        std::process::id(),
        options.join("_").replace(['-', ' '], "")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("prog.lua");
    std::fs::write(&path, script).unwrap();
    let out = Command::new(BIN)
        .arg0("telelua")
        .args(options)
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .expect("run telelua");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.stderr.is_empty(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code(),
    )
}

/// (name, script, expected stdout, expected status), from `lua5.4`.
const CASES: &[(&str, &str, &str, i32)] = &[
    ("nil", "os.exit(nil, true)", "", 0),
    ("true", "os.exit(true, true)", "", 0),
    ("one", "os.exit(1, true)", "", 1),
    ("false", "os.exit(false, true)", "", 1),
    (
        "no-close",
        "setmetatable({}, {__gc = function() print('gc') end}) os.exit(7)",
        "",
        7,
    ),
    (
        "tbc-then-finalizers",
        r#"local x <close> = setmetatable({}, {__close = function (self, err)
  assert(err == nil) print("Ok") end})
local e1 <close> = setmetatable({}, {__close = function () print(120) end})
u = setmetatable({}, {__gc = function () print("gc u") end})
os.exit(true, true)"#,
        "120\nOk\ngc u\n",
        0,
    ),
    (
        "error-in-close",
        r#"local x <close> = setmetatable({}, {__close = function (self, err) print("x", err ~= nil) end})
local y <close> = setmetatable({}, {__close = function () error("in y", 0) end})
os.exit(4, true)"#,
        "x\ttrue\n",
        4,
    ),
    (
        "from-a-coroutine",
        r#"u = setmetatable({}, {__gc = function () print("gc u") end})
local co = coroutine.wrap(function ()
  local y <close> = setmetatable({}, {__close = function () print("co close") end})
  os.exit(3, true)
end)
local x <close> = setmetatable({}, {__close = function (_, e) print("main close", e) end})
co()"#,
        "main close\tnil\ngc u\n",
        3,
    ),
    (
        "nested-close-in-a-finalizer",
        r#"print("creating 1")
setmetatable({}, {__gc = function () print(1) end})
print("creating 2")
setmetatable({}, {__gc = function ()
  print("2")
  print("creating 3")
  setmetatable({}, {__gc = function () print(3) end})
  print(collectgarbage())
  os.exit(0, true)
end})"#,
        "creating 1\ncreating 2\n2\ncreating 3\nnil\n1\n",
        0,
    ),
];

#[test]
fn os_exit_ends_the_command_as_lua_does() {
    for &(name, script, stdout, status) in CASES {
        for options in [&[][..], &["--snapshot-every", "7"], &["--fork-every", "3"]] {
            let got = run(name, script, options);
            assert_eq!(
                got,
                (stdout.to_string(), Some(status)),
                "{name} {options:?}"
            );
        }
    }
}

#[test]
fn a_library_host_gets_the_exit_request() {
    let run = |src: &str| {
        let mut vm = Vm::with_profile(Profile::Standalone, Host::default());
        vm.load(src.as_bytes(), "=exit").unwrap();
        let r = vm.step(1_000_000);
        (vm, r)
    };
    let (vm, r) = run("os.exit(5)");
    assert_eq!(
        r,
        StepResult::Waiting {
            kind: "os.exit".into()
        }
    );
    assert_eq!(
        vm.exit_request(),
        Some(ExitRequest {
            code: 5,
            close: false
        })
    );
    // The request is part of the VM's state: saved, restored and forked with it.
    let want = Some(ExitRequest {
        code: 5,
        close: false,
    });
    let bytes = vm.save().unwrap();
    let restored = Vm::restore_with(&bytes, Registry::standard(), Host::default(), None).unwrap();
    assert_eq!(restored.exit_request(), want);
    assert_eq!(vm.image().unwrap().fork().unwrap().exit_request(), want);
    let (mut vm, _) = run("closed = {}
         local x <close> = setmetatable({}, {__close = function () closed[#closed + 1] = 'x' end})
         os.exit(false, true)");
    let request = vm.exit_request();
    assert_eq!(
        request,
        Some(ExitRequest {
            code: 1,
            close: true
        })
    );
    assert!(vm.begin_close());
    assert!(matches!(vm.step(1_000_000), StepResult::Finished(_)));
    assert_eq!(vm.exit_request(), None);
    assert_eq!(vm.eval::<String>("return closed[1]").unwrap(), "x");
    // A script that is not in `os.exit` asks for nothing.
    let (vm, r) = run("return 1");
    assert!(matches!(r, StepResult::Finished(_)));
    assert_eq!(vm.exit_request(), None);
}
