//! The `telelua` command's `lua`-compatible options and environment, checked against what
//! `lua5.4` prints for the same command lines (the cases of the official suite's `main.lua`
//! that do not need a terminal): `-l`, `-E`, `LUA_INIT`, the script's arguments read from
//! `arg` when it starts, the interactive loop's prompts and its `print`.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_telelua");

/// Runs the command in a scratch directory holding `files`, with `env` set (and the
/// variables `lua` reads cleared otherwise) and `stdin` as input: (stdout, stderr, status).
fn run(
    args: &[&str],
    env: &[(&str, &str)],
    files: &[(&str, &str)],
    stdin: &str,
) -> (String, String, Option<i32>) {
    // (A directory per run: tests run in parallel, and two may pass the same arguments.)
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("telelua-cli-options-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let mut cmd = Command::new(BIN);
    cmd.arg0("telelua").args(args).current_dir(&dir);
    for v in [
        "LUA_INIT",
        "LUA_INIT_5_4",
        "LUA_PATH",
        "LUA_PATH_5_4",
        "LUA_CPATH",
        "LUA_CPATH_5_4",
    ] {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run telelua");
    // (A run that reads no input may exit before the write: a broken pipe is no failure.)
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

#[test]
fn dash_l_requires_a_module_into_a_global() {
    let files = [("mymod.lua", "return {v = 42, name = ...}")];
    let (out, err, code) = run(
        &[
            "-l",
            "mymod",
            "-lm2=mymod",
            "-e",
            "print(mymod.v, m2.name, mymod == m2)",
        ],
        &[("LUA_PATH", "./?.lua")],
        &files,
        "",
    );
    assert_eq!(
        (out.as_str(), code),
        ("42\tmymod\ttrue\n", Some(0)),
        "{err}"
    );
    // In command-line order: `-e` before `-l` sees no module yet.
    let (out, _, _) = run(
        &["-e", "print(mymod)", "-l", "mymod", "-e", "print(mymod.v)"],
        &[("LUA_PATH", "./?.lua")],
        &files,
        "",
    );
    assert_eq!(out, "nil\n42\n");
    let (_, err, code) = run(&["-l", "nonexistent"], &[], &[], "");
    assert!(err.contains("module 'nonexistent' not found"), "{err}");
    assert_eq!(code, Some(1));
    let (_, err, code) = run(&["-l"], &[], &[], "");
    assert!(err.contains("'-l' needs argument"), "{err}");
    assert_eq!(code, Some(1));
}

#[test]
fn lua_init_runs_first_unless_dash_e_upper() {
    let files = [("init.lua", "x = (x or 10) + 1"), ("p.lua", "print(X, x)")];
    let (out, err, _) = run(
        &["p.lua", "3.2"],
        &[("LUA_INIT", "X = tonumber(arg[1])")],
        &files,
        "",
    );
    assert_eq!(out, "3.2\tnil\n", "{err}");
    let env = [("LUA_INIT_5_4", "X = 10"), ("LUA_INIT", "X = 3")];
    assert_eq!(run(&["p.lua"], &env, &files, "").0, "10\tnil\n");
    let (out, _, _) = run(&["p.lua"], &[("LUA_INIT", "@init.lua")], &files, "");
    assert_eq!(out, "nil\t11\n");
    let (_, err, code) = run(&["p.lua"], &[("LUA_INIT", "error('msg')")], &files, "");
    assert!(err.contains("LUA_INIT:1: msg"), "{err}");
    assert_eq!(code, Some(1));
    // `-E`: no `LUA_INIT`, and the default paths whatever the environment says.
    let env = [
        ("LUA_INIT", "error(10)"),
        ("LUA_PATH", "xxx"),
        ("LUA_CPATH", "yyy"),
    ];
    let files = [(
        "q.lua",
        "print(package.path ~= 'xxx', package.cpath ~= 'yyy')",
    )];
    let (out, err, code) = run(&["-E", "q.lua"], &env, &files, "");
    assert_eq!((out.as_str(), code), ("true\ttrue\n", Some(0)), "{err}");
    let (out, _, _) = run(&["q.lua"], &[("LUA_PATH", "xxx")], &files, "");
    assert_eq!(out, "false\ttrue\n");
}

#[test]
fn the_script_takes_its_arguments_from_arg_when_it_starts() {
    let files = [("s.lua", "print(...)")];
    let (out, _, _) = run(&["-e", "arg[1] = 100", "s.lua", "a", "b"], &[], &files, "");
    assert_eq!(out, "100\tb\n");
    let (out, _, _) = run(&["-e", "arg[1] = 100", "-"], &[], &[], "print(...)");
    assert_eq!(out, "100\n");
    let (_, err, code) = run(&["-e", "arg = 1", "-"], &[], &[], "");
    assert!(err.contains("'arg' is not a table"), "{err}");
    assert_eq!(code, Some(1));
}

#[test]
fn the_interactive_loop_uses_the_prompts_and_the_global_print() {
    let input = "(6*2-6) -- ===\na =\n10\nprint(a)\na\n";
    let (out, err, _) = run(&["-e", "_PROMPT='' _PROMPT2=''", "-i"], &[], &[], input);
    let want = "(6*2-6) -- ===\n6\na =\n10\nprint(a)\n10\na\n10\n\n";
    assert!(out.ends_with(want), "{out:?} {err}");
    let prompt = "_PROMPT = setmetatable({}, {__tostring = function() return 'P>' end})";
    let (out, _, _) = run(&["-e", prompt, "-i"], &[], &[], "x = 1\n");
    assert!(out.ends_with("P>x = 1\nP>\n"), "{out:?}");
    let (_, err, _) = run(&["-e", "print = nil", "-i"], &[], &[], "10\n");
    assert!(
        err.contains("error calling 'print' (attempt to call a nil value)"),
        "{err}"
    );
}

#[test]
fn debug_debug_runs_commands_from_stdin_until_cont() {
    // The official suite's case.
    let (_, err, _) = run(
        &["-e", "require'debug'.debug()"],
        &[],
        &[],
        "io.stderr:write(1000)\ncont\n",
    );
    assert_eq!(err, "lua_debug> 1000lua_debug> ");
    // Errors (compile, runtime, `__tostring`) are reported and the prompt goes on; the input's
    // end ends it too; a line longer than 249 bytes is read as two commands (as `fgets`).
    let input = format!(
        "x = 1 +\nerror('boom')\nerror(setmetatable({{}}, {{__tostring = function() return 'TS' end}}))\n\
         print(x, 5)\ny = 7\nprint('{}')\n",
        "a".repeat(300)
    );
    let (out, err, code) = run(&["-e", "debug.debug() print('after', y)"], &[], &[], &input);
    assert_eq!(out, "nil\t5\nafter\t7\n");
    assert_eq!(
        err,
        "lua_debug> (debug command):2: unexpected symbol near <eof>\n\
         lua_debug> (debug command):1: boom\n\
         lua_debug> TS\n\
         lua_debug> lua_debug> lua_debug> (debug command):1: unfinished string near <eof>\n\
         lua_debug> (debug command):1: unfinished string near '')'\n\
         lua_debug> "
    );
    assert_eq!(code, Some(0));
}

#[test]
fn the_interactive_loop_reads_like_lua_with_readline() {
    // Input that is not a terminal is echoed after each prompt (nothing for an empty line
    // after an empty prompt), a statement's returned values are printed even over several
    // lines, and errors have no program name.
    let input = "error('x')\nreturn 1,\n\n2\n";
    let (out, err, _) = run(&["-i"], &[], &[], input);
    let want = "> error('x')\n> return 1,\n>> \n>> 2\n1\t2\n> \n";
    assert!(out.ends_with(want), "{out:?}");
    assert!(err.starts_with("stdin:1: x\nstack traceback:\n"), "{err}");
    let (out, _, _) = run(
        &["-e", "_PROMPT='' _PROMPT2=''", "-i"],
        &[],
        &[],
        "\n\nx = 1\n",
    );
    assert!(out.ends_with("PUC-Rio\nx = 1\n\n"), "{out:?}");
}

#[test]
fn messages_start_with_the_name_the_command_was_run_by() {
    // `lua.c`'s `progname` is `argv[0]`: a link named `lua`, `./telelua`, a full path.
    for name in ["lua", "./telelua", "/opt/bin/telelua"] {
        let out = Command::new(BIN)
            .arg0(name)
            .args(["-e", "error('x')", "--bad"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with(&format!(
                "{name}: unrecognized option '--bad'\nusage: {name} [options]"
            )),
            "{err}"
        );
        let out = Command::new(BIN)
            .arg0(name)
            .args(["-e", "error('x')"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with(&format!("{name}: (command line):1: x\n")),
            "{err}"
        );
    }
}

#[test]
fn dash_v_ends_its_line_as_lua_does() {
    // (The official `main.lua` looks for "PUC-Rio" at the end of the line before `-e`'s
    // output.)
    let (out, err, status) = run(&["-v", "-e", "print'hello'"], &[], &[], "");
    assert!(out.ends_with("Lua.org, PUC-Rio\nhello\n"), "{out}");
    assert!(out.starts_with("telelua "), "{out}");
    assert_eq!((err.as_str(), status), ("", Some(0)));
}

#[test]
fn a_closing_method_that_raises_while_an_error_unwinds_reports_its_own_error() {
    // `lua.c`'s message handler runs again for the closing method's error: its message and
    // traceback (or an error object's `__tostring`, without one) replace the first error's.
    let raises =
        "local x <close> = setmetatable({}, {__close = function() error('in close') end})\n\
                  error('first')\n";
    let (out, err, code) = run(&["tbc.lua"], &[], &[("tbc.lua", raises)], "");
    assert_eq!(out, "");
    assert_eq!(
        err,
        "telelua: tbc.lua:1: in close\nstack traceback:\n\t[C]: in function 'error'\n\
         \ttbc.lua:1: in function <tbc.lua:1>\n\t[C]: in ?\n"
    );
    assert_eq!(code, Some(1));
    let object = "local x <close> = setmetatable({}, {__close = function()\n\
                  error(setmetatable({}, {__tostring = function() return 'obj!' end}))\n\
                  end})\nerror('first')\n";
    let (_, err, code) = run(&["tbc.lua"], &[], &[("tbc.lua", object)], "");
    assert_eq!(err, "telelua: obj!\n");
    assert_eq!(code, Some(1));
    // A closing method sees the error as the handler made it: with its traceback.
    let sees = "local x <close> = setmetatable({}, {__close = function(_, e) print(e) end})\n\
                local y <close> = setmetatable({}, {__close = function(_, e) print(e) end})\n\
                error({})\n";
    let (out, err, _) = run(&["tbc.lua"], &[], &[("tbc.lua", sees)], "");
    let handled = "(error object is a table value)\nstack traceback:\n\
                   \t[C]: in function 'error'\n\ttbc.lua:3: in main chunk\n\t[C]: in ?\n";
    assert_eq!(out, format!("{handled}{handled}"));
    assert_eq!(err, format!("telelua: {handled}"));
}

#[test]
fn closing_the_state_at_exit_runs_closing_methods_and_finalizers_as_lua_close_does() {
    // `os.exit(c, true)` closes the state: each closing method sees the error of the one
    // before as `lua.c`'s message handler (still set) made it, and tracebacks and
    // `debug.getinfo` levels end at the closing method or finalizer (`L->ci = &L->base_ci`).
    let script = "local a <close> = setmetatable({}, {__close = function(_, e)\n\
                  print('a', e); print(debug.getinfo(2, 'S')) end})\n\
                  local b <close> = setmetatable({}, {__close = function(_, e)\n\
                  print('b', e); error({}) end})\n\
                  local c <close> = setmetatable({}, {__close = function(_, e)\n\
                  print('c', e); error('boom') end})\n\
                  setmetatable({}, {__gc = function() print(debug.traceback('gc')) end})\n\
                  os.exit(3, true)\n";
    let (out, err, code) = run(&["exit.lua"], &[], &[("exit.lua", script)], "");
    assert_eq!(
        out,
        "c\tnil\n\
         b\texit.lua:6: boom\nstack traceback:\n\t[C]: in function 'error'\n\
         \texit.lua:6: in function <exit.lua:5>\n\
         a\t(error object is a table value)\nstack traceback:\n\t[C]: in function 'error'\n\
         \texit.lua:4: in function <exit.lua:3>\n\
         nil\n\
         gc\nstack traceback:\n\texit.lua:7: in metamethod '__gc'\n"
    );
    assert_eq!(err, "");
    assert_eq!(code, Some(3));
}
