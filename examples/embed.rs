//! Embedding telelua: an entity script with an `on_message` handler, a host function over
//! the host's own state, a userdata with methods, a script waiting in `receive()`, a save in
//! the middle of that wait, a restore into a fresh VM that registers the host's functions
//! again (as another process would), an event delivered there, and the script finishing.
//!
//! Run it with `cargo run --example embed`.

use std::cell::RefCell;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use telelua::{Reply, StepResult, UserData, UserDataMethods, VmOptions, Wait};

/// The host's world: what the script's host functions read and change.
#[derive(Default)]
struct World {
    tick: i64,
    log: Vec<String>,
}

/// A host type scripts hold as a userdata; saved with the VM through serde.
#[derive(Serialize, Deserialize)]
struct Door {
    open: bool,
    uses: u32,
}

impl UserData for Door {
    const NAME: &'static str = "Door";
    fn add_methods(m: &mut UserDataMethods<Self>) {
        m.method_mut("toggle", |_cx, door, ()| {
            door.open = !door.open;
            door.uses += 1;
            Ok(door.open)
        });
        m.field("uses", |_cx, door| Ok(door.uses));
        m.meta("__tostring", |_cx, door, ()| {
            Ok(if door.open {
                "Door(open)"
            } else {
                "Door(shut)"
            })
        });
    }
}

const ENTITY: &str = r#"
local door = make_door()
local heard = {}

function on_message(from, text)          -- the host calls this directly
  heard[#heard + 1] = from .. ": " .. text
  return #heard
end

world.log("entity awake at tick " .. world.now())
while true do
  local event = receive()                 -- waits for the host; the VM can be saved here
  if event == "knock" then
    print("knock -> door is now " .. tostring(door:toggle() and "open" or "shut"), tostring(door))
  elseif event == "quit" then
    break
  end
end
return #heard, door.uses
"#;

/// Options with the host's functions and types registered over `world`.
fn options(world: &Rc<RefCell<World>>) -> VmOptions {
    let (w1, w2) = (world.clone(), world.clone());
    VmOptions::new()
        .memory_limit(8 << 20)
        .register("world.now", move |_cx, ()| Ok(w1.borrow().tick))
        .register("world.log", move |_cx, line: String| {
            w2.borrow_mut().log.push(line);
            Ok(())
        })
        .register("make_door", |cx, ()| {
            cx.charge(10);
            Ok(Door {
                open: false,
                uses: 0,
            })
        })
        .register_waiting("receive", |_cx, ()| Ok(Reply::<()>::Wait(Wait::delivery())))
        .register_userdata::<Door>()
}

pub fn main() -> Result<(), telelua::Error> {
    // Process A: start the entity and let it run until it waits.
    let world_a = Rc::new(RefCell::new(World {
        tick: 7,
        ..World::default()
    }));
    let mut vm = options(&world_a).build();
    vm.load(ENTITY.as_bytes(), "=entity")?;
    assert_eq!(
        vm.step(10_000),
        StepResult::Waiting {
            kind: "telelua.delivery".into()
        }
    );

    // The host calls the script's handler while the main chunk waits.
    let n: i64 = vm.call_global("on_message", ("ann", "hello"), 10_000)?;
    println!(
        "on_message returned {n}; world log: {:?}",
        world_a.borrow().log
    );
    vm.deliver("knock")?;
    assert!(matches!(vm.step(10_000), StepResult::Waiting { .. }));

    // Save in the middle of the wait...
    let bytes = vm.save()?;
    drop(vm);
    println!(
        "saved {} bytes while the entity waits in receive()",
        bytes.len()
    );

    // ...and restore into a fresh VM ("process B") that registers the same names.
    let world_b = Rc::new(RefCell::new(World {
        tick: 1_000,
        ..World::default()
    }));
    let mut vm = options(&world_b).restore(&bytes)?;
    let n: i64 = vm.call_global("on_message", ("bob", "are you there?"), 10_000)?;
    println!("on_message returned {n} after the restore");
    vm.deliver("knock")?;
    assert!(matches!(vm.step(10_000), StepResult::Waiting { .. }));
    vm.deliver("quit")?;
    match vm.step(10_000) {
        StepResult::Finished(values) => println!("entity finished with {values:?}"),
        other => panic!("unexpected {other:?}"),
    }
    Ok(())
}
