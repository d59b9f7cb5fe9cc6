//! Regenerates fuzz/corpus/restore seeds when run with TELELUA_WRITE_SEEDS=1 (they are
//! checked in; the snapshot format version makes old seeds simple "not accepted" cases).

#[test]
fn write_restore_seeds() {
    if std::env::var("TELELUA_WRITE_SEEDS").is_err() {
        return;
    }
    use telelua::{StepResult, Vm};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/restore");
    let scripts = [
        "local t = {} for i = 1, 10 do t[i] = i end return #t",
        "local co = coroutine.create(function(a) return coroutine.yield(a) + 1 end) print(coroutine.resume(co, 1)) print(coroutine.resume(co, 2))",
        "local ok = pcall(function() local x <close> = setmetatable({}, {__close = function() end}) error('e') end) return ok",
        "local s = 0 for k, v in pairs({a = 1, b = 2}) do s = s + v end return s",
    ];
    for (i, src) in scripts.iter().enumerate() {
        for (j, fuel) in [5u64, 40, 200].iter().enumerate() {
            let mut vm = Vm::new();
            vm.load(src.as_bytes(), "=seed").unwrap();
            if vm.step(*fuel) == StepResult::OutOfFuel {
                std::fs::write(dir.join(format!("seed{i}_{j}.snap")), vm.save().unwrap()).unwrap();
            }
        }
    }
}
