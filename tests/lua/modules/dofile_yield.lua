-- run by pkg_dofile_frame.lua inside a coroutine: a yield passes through dofile
return coroutine.yield("yielded from a dofile'd chunk"), "after the yield"
