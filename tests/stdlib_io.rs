//! The standalone `io` library as a host sees it: open files are host resources that no
//! snapshot carries (saving fails, naming the file, and works again once it is closed), the
//! standard and closed files are plain data that survive a round trip, and the sandbox
//! profile has none of it.

use telelua::{Profile, SnapshotError, StepResult, Vm, VmOptions};

fn standalone() -> VmOptions {
    VmOptions::new()
        .profile(Profile::Standalone)
        .main_yieldable(true)
}

#[test]
fn the_sandbox_has_no_files_or_processes() {
    let mut vm = Vm::new();
    let kinds: String = vm
        .eval("return type(io) .. type(os.remove) .. type(os.rename) .. type(os.tmpname) .. type(os.execute)")
        .unwrap();
    assert_eq!(kinds, "nilnilnilnilnil");
}

#[test]
fn saving_a_vm_holding_an_open_file_fails_naming_it() {
    let dir = std::env::temp_dir().join(format!("telelua_io_test_{}", std::process::id()));
    let name = dir.to_string_lossy().into_owned();
    let mut vm = standalone().build();
    vm.set_global("name", name.as_str()).unwrap();
    vm.load(
        br#"
        local f = assert(io.open(name, "w"))
        f:write("kept")
        coroutine.yield()                     -- the host tries to save here
        f:close()
        coroutine.yield()                     -- and here
        local g = assert(io.open(name))
        local s = g:read("a")
        g:close()
        return s, io.type(f), tostring(f), io.type(io.stdout)
    "#,
        "=files",
    )
    .unwrap();
    assert!(matches!(vm.step(100_000), StepResult::Yielded(_)));
    let err = vm.save().unwrap_err();
    assert_eq!(err, SnapshotError::OpenFile(name.clone()));
    assert!(
        err.to_string().contains(&format!("open file ('{name}')")),
        "{err}"
    );
    assert!(vm.image().is_err());
    // The VM is unharmed by the refusal, and saveable once the file is closed.
    assert!(matches!(vm.step(100_000), StepResult::Yielded(_)));
    let bytes = vm.save().unwrap();
    let mut restored = standalone().restore(&bytes).unwrap();
    assert_eq!(restored.save().unwrap(), bytes);
    for vm in [&mut vm, &mut restored] {
        let r = vm.step(100_000);
        let StepResult::Finished(vals) = r else {
            panic!("{r:?}")
        };
        let texts: Vec<String> = vals
            .iter()
            .map(|v| v.as_str().map(|s| s.into_owned()).unwrap_or_default())
            .collect();
        assert_eq!(texts, ["kept", "closed file", "file (closed)", "file"]);
    }
    std::fs::remove_file(&dir).unwrap();
}

/// A script's reads of about 3 MB of stdin each (one long line, a count, "a"), stepped in
/// slices of 10,000 fuel and saved and restored at every preemption (the restored VM reads
/// on from the same stream): each read is preempted many times, and gives what one plain
/// run gives, for the same fuel.
#[test]
fn long_reads_are_preemptible_and_survive_snapshots() {
    let size = 3_000_000;
    let data: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
    let mut input = data.clone();
    input.push(b'\n');
    input.extend_from_slice(&data);
    input.push(b'\n');
    input.extend_from_slice(&data);
    let script = br#"
        local line = io.read("l")
        local part = io.read(2000000)
        local rest = io.read("a")
        return table.concat({#line, line:sub(-3), #part, #rest, rest:sub(1, 3)}, " ")
    "#;
    let run = |trips: bool| {
        let stream = std::rc::Rc::new(std::cell::RefCell::new(std::io::Cursor::new(input.clone())));
        let stdin = || SharedReader {
            src: stream.clone(),
            buf: Vec::new(),
        };
        let mut vm = standalone().stdin(stdin()).build();
        vm.load(script, "=reads").unwrap();
        let mut slices = 0;
        loop {
            match vm.step(10_000) {
                StepResult::OutOfFuel => {
                    slices += 1;
                    if trips {
                        let bytes = vm.save().unwrap();
                        vm = standalone().stdin(stdin()).restore(&bytes).unwrap();
                    }
                }
                StepResult::Finished(vals) => {
                    let text = vals[0].as_str().map(|s| s.into_owned()).unwrap_or_default();
                    return (text, slices, vm.fuel_used());
                }
                r => panic!("{r:?}"),
            }
        }
    };
    let (plain, slices, fuel) = run(false);
    assert_eq!(plain, "3000000 nop 2000000 4000001 cde");
    // 10,000 fuel reads at most 640,000 bytes: 9 MB takes at least 14 slices.
    assert!(slices >= 14, "{slices} slices");
    let (tripped, _, tripped_fuel) = run(true);
    assert_eq!(tripped, plain);
    assert_eq!(tripped_fuel, fuel);
}

/// An endless stream read whole stops at the memory budget with Lua's error (it used to
/// read for ever).
#[test]
fn reading_an_endless_stream_stops_at_the_memory_budget() {
    let mut vm = standalone()
        .stdin(std::io::BufReader::new(std::io::repeat(b'x')))
        .memory_limit(8 << 20)
        .build();
    vm.load(
        br#"local ok, e = pcall(io.read, "a") return tostring(ok) .. " " .. tostring(e)"#,
        "=endless",
    )
    .unwrap();
    let r = vm.step(100_000_000);
    let StepResult::Finished(vals) = r else {
        panic!("{r:?}")
    };
    let text = vals[0].as_str().map(|s| s.into_owned()).unwrap_or_default();
    assert_eq!(text, "false not enough memory");
}

/// A `BufRead` over a stream that the VMs a test restores one after another share: it never
/// reads ahead of what was consumed (a restored VM's reader goes on where the last stopped).
struct SharedReader {
    src: std::rc::Rc<std::cell::RefCell<std::io::Cursor<Vec<u8>>>>,
    buf: Vec<u8>,
}

impl std::io::Read for SharedReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        std::io::Read::read(&mut *self.src.borrow_mut(), out)
    }
}

impl std::io::BufRead for SharedReader {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        let c = self.src.borrow();
        let all = c.get_ref();
        let pos = (c.position() as usize).min(all.len());
        self.buf = all[pos..(pos + 8192).min(all.len())].to_vec();
        Ok(&self.buf)
    }
    fn consume(&mut self, n: usize) {
        let mut c = self.src.borrow_mut();
        let p = c.position();
        c.set_position(p + n as u64);
    }
}

/// Fuel used by `body` run `n` times in a loop, less the same loop with an empty body.
fn loop_fuel(body: &str, n: u32) -> u64 {
    let run = |b: &str| {
        let mut vm = standalone().stdout(std::io::sink()).build();
        vm.load(format!("for i = 1, {n} do {b} end").as_bytes(), "=t")
            .unwrap();
        assert!(matches!(vm.step(u64::MAX / 2), StepResult::Finished(_)));
        vm.fuel_used()
    };
    run(body) - run("")
}

/// What reaches the operating system is charged for the time it takes (`docs/FUEL.md`):
/// a line `print` writes and flushes, a call on a stream, a file name resolved, a process
/// started. Before, `print()` and an unbuffered `write` cost ~5–9 fuel units for ~0.5 µs (up
/// to 33× plain instructions' time per unit), and `io.open` with `close` ~18 for ~4 µs.
#[test]
fn system_calls_are_charged() {
    use telelua::internal::limits::fuel::{FILE_NAME_OP, IO_CALL, OUTPUT_LINE, PROCESS_START};
    let n = 50;
    let per = |body: &str| loop_fuel(body, n) / u64::from(n);
    assert!(per("print()") >= OUTPUT_LINE as u64);
    assert!(per("io.write('x')") >= IO_CALL as u64);
    assert!(per("io.stderr:write('')") >= IO_CALL as u64);
    assert!(per("io.flush()") >= IO_CALL as u64);
    let dir = std::env::temp_dir().join(format!("telelua_io_fuel_{}", std::process::id()));
    let name = dir.to_string_lossy().into_owned();
    let open = format!("local f = io.open('{name}', 'w') f:seek('set', 0) f:close()");
    assert!(per(&open) >= (FILE_NAME_OP + 2 * IO_CALL) as u64);
    assert!(per(&format!("os.remove('{name}.missing')")) >= FILE_NAME_OP as u64);
    let _ = std::fs::remove_file(&dir);
    assert!(loop_fuel("io.popen('true'):close()", 1) >= PROCESS_START as u64);
}
