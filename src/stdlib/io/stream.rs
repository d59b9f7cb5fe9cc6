//! An open file of the standalone `io` library: a regular file or a pipe to a child process,
//! with C stdio's buffering (full, line or none, as `setvbuf` chooses) and its rule that
//! reads and writes may alternate on one stream (a write first gives back what was read ahead,
//! a read first writes out what is buffered).
//!
//! An open file is a host resource: it lives in its userdata's host slot, never in a
//! snapshot (saving a VM that holds one fails, naming the file; see `snapshot::save`).

use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom, Write};
use std::process::{Child, ChildStdin, ChildStdout, ExitStatus};

/// Bytes read ahead or held before a write goes out (C's `BUFSIZ` on glibc).
const BUFFER: usize = 8192;

/// How writes are buffered (`setvbuf`'s modes).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Buffering {
    /// Every write goes out at once.
    No,
    /// Writes go out when the buffer is full (or on flush, seek, read, close).
    Full,
    /// As `Full`, and also at every newline.
    Line,
}

enum Backend {
    File(File),
    /// `io.popen(cmd, "r")`: the child's standard output.
    ReadPipe(Child, ChildStdout),
    /// `io.popen(cmd, "w")`: the child's standard input (taken when closing, so the child
    /// sees end of file before it is waited for).
    WritePipe(Child, Option<ChildStdin>),
    /// Closed by [`OpenFile::close`] (what remains to be dropped).
    Closed,
}

/// An open file (see the module docs).
pub struct OpenFile {
    /// The name it was opened with (a command for a pipe), for messages.
    pub name: String,
    backend: Backend,
    rbuf: Vec<u8>,
    rpos: usize,
    wbuf: Vec<u8>,
    buffering: Buffering,
    /// Whether the mode allows reading (C's stream checks it before the descriptor does, so
    /// a write to a read-only file fails at once, not when the buffer goes out).
    readable: bool,
    /// Whether the mode allows writing.
    writable: bool,
}

/// The error of an operation a stream does not support (`ESPIPE`, `EBADF`).
fn os_error(code: i32) -> io::Error {
    io::Error::from_raw_os_error(code)
}

impl OpenFile {
    /// A regular file, open for reading and/or writing.
    pub fn file(name: String, f: File, readable: bool, writable: bool) -> OpenFile {
        let mut file = Self::new(name, Backend::File(f));
        file.readable = readable;
        file.writable = writable;
        file
    }

    /// The reading end of a child's standard output.
    pub fn read_pipe(name: String, child: Child, out: ChildStdout) -> OpenFile {
        let mut file = Self::new(name, Backend::ReadPipe(child, out));
        file.readable = true;
        file
    }

    /// The writing end of a child's standard input.
    pub fn write_pipe(name: String, child: Child, input: ChildStdin) -> OpenFile {
        let mut file = Self::new(name, Backend::WritePipe(child, Some(input)));
        file.writable = true;
        file
    }

    fn new(name: String, backend: Backend) -> OpenFile {
        OpenFile {
            name,
            backend,
            rbuf: Vec::new(),
            rpos: 0,
            wbuf: Vec::new(),
            buffering: Buffering::Full,
            readable: false,
            writable: false,
        }
    }

    /// Changes the buffering (what is buffered goes out first, as a mode change must not
    /// reorder output).
    pub fn set_buffering(&mut self, b: Buffering) -> io::Result<()> {
        self.flush_writes()?;
        self.buffering = b;
        Ok(())
    }

    fn flush_writes(&mut self) -> io::Result<()> {
        if self.wbuf.is_empty() {
            return Ok(());
        }
        let res = match &mut self.backend {
            Backend::File(f) => f.write_all(&self.wbuf),
            Backend::WritePipe(_, Some(p)) => p.write_all(&self.wbuf),
            _ => Err(os_error(9)),
        };
        self.wbuf.clear();
        res
    }

    /// Gives back what was read ahead and not consumed (a write or seek must happen where
    /// the script believes the position is).
    fn drop_read_ahead(&mut self) -> io::Result<()> {
        let unread = self.rbuf.len() - self.rpos;
        self.rbuf.clear();
        self.rpos = 0;
        if unread > 0 {
            if let Backend::File(f) = &mut self.backend {
                f.seek(SeekFrom::Current(-(unread as i64)))?;
            }
        }
        Ok(())
    }

    /// `fseek` + `ftell`: the new position.
    pub fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.flush_writes()?;
        let unread = (self.rbuf.len() - self.rpos) as i64;
        let Backend::File(f) = &mut self.backend else {
            return Err(os_error(29));
        };
        let to = match to {
            SeekFrom::Current(n) => SeekFrom::Current(n.saturating_sub(unread)),
            other => other,
        };
        let pos = f.seek(to)?;
        self.rbuf.clear();
        self.rpos = 0;
        Ok(pos)
    }

    /// Flushes and closes: for a pipe, the child's exit status (it is waited for).
    pub fn close(mut self) -> io::Result<Option<ExitStatus>> {
        let flushed = self.flush_writes();
        match std::mem::replace(&mut self.backend, Backend::Closed) {
            Backend::Closed => flushed.map(|_| None),
            Backend::File(f) => {
                drop(f);
                flushed.map(|_| None)
            }
            Backend::ReadPipe(mut child, out) => {
                drop(out);
                child.wait().map(Some)
            }
            Backend::WritePipe(mut child, input) => {
                drop(input);
                child.wait().map(Some)
            }
        }
    }
}

/// A file dropped without `close` (its VM dropped, or collected without a finalizer run)
/// still writes out what it buffered, as C's `exit` flushes every stream.
impl Drop for OpenFile {
    fn drop(&mut self) {
        let _ = self.flush_writes();
    }
}

impl Read for OpenFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for OpenFile {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.rpos >= self.rbuf.len() {
            if !self.readable {
                return Err(os_error(9));
            }
            self.flush_writes()?;
            self.rbuf.resize(BUFFER, 0);
            self.rpos = 0;
            let n = match &mut self.backend {
                Backend::File(f) => f.read(&mut self.rbuf),
                Backend::ReadPipe(_, p) => p.read(&mut self.rbuf),
                Backend::WritePipe(..) | Backend::Closed => Err(os_error(9)),
            };
            let n = match n {
                Ok(n) => n,
                Err(e) => {
                    self.rbuf.clear();
                    return Err(e);
                }
            };
            self.rbuf.truncate(n);
        }
        Ok(&self.rbuf[self.rpos..])
    }

    fn consume(&mut self, amt: usize) {
        self.rpos = (self.rpos + amt).min(self.rbuf.len());
    }
}

impl Write for OpenFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.writable {
            return Err(os_error(9));
        }
        self.drop_read_ahead()?;
        self.wbuf.extend_from_slice(buf);
        let out = match self.buffering {
            Buffering::No => true,
            Buffering::Full => self.wbuf.len() >= BUFFER,
            Buffering::Line => self.wbuf.len() >= BUFFER || buf.contains(&b'\n'),
        };
        if out {
            self.flush_writes()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_writes()?;
        match &mut self.backend {
            Backend::File(f) => f.flush(),
            Backend::WritePipe(_, Some(p)) => p.flush(),
            _ => Ok(()),
        }
    }
}

/// C's `strerror` text and `errno` of an I/O error (Rust's message without its
/// " (os error N)" suffix).
pub fn error_parts(e: &io::Error) -> (String, i64) {
    let text = e.to_string();
    match e.raw_os_error() {
        Some(code) => {
            let suffix = format!(" (os error {code})");
            let msg = text.strip_suffix(&suffix).unwrap_or(&text).to_string();
            (msg, i64::from(code))
        }
        None => (text, 0),
    }
}
