//! The examples run as tests, so `cargo test` keeps them working.

#[allow(dead_code)]
#[path = "../examples/embed.rs"]
mod embed;

#[test]
fn embed_example_runs() {
    embed::main().expect("examples/embed.rs");
}

#[allow(dead_code)]
#[path = "../examples/host_loop.rs"]
mod host_loop;

#[test]
fn host_loop_example_isolates_the_three() {
    use telelua::{AgentState, StopReason};
    let n = 200;
    let s = host_loop::run(n).expect("examples/host_loop.rs");
    assert_eq!(s.healthy, n - 3, "{s:?}");
    assert_eq!(s.reports, (n - 3) * 3, "{s:?}");
    let states: Vec<_> = s.misbehaving.iter().map(|(_, _, st)| st.clone()).collect();
    assert_eq!(states[0], AgentState::Stopped(StopReason::Fuel));
    assert_eq!(states[1], AgentState::Stopped(StopReason::Memory));
    assert!(
        matches!(&states[2], AgentState::Failed(e) if e.message.contains("attempt to index a nil value"))
    );
}

#[allow(dead_code)]
#[path = "../examples/rollback.rs"]
mod rollback;

#[test]
fn rollback_example_matches_the_on_time_run() {
    let r = rollback::run(200).expect("examples/rollback.rs");
    assert!(r.rollbacks >= 5, "{r:?}");
    assert!(
        r.resimulated <= r.rollbacks * (rollback::DELAY + 1),
        "{r:?}"
    );
    assert!(
        r.resimulated >= (r.rollbacks - 1) * (rollback::DELAY + 1),
        "{r:?}"
    );
    assert!(r.identical, "{r:?}");
}
