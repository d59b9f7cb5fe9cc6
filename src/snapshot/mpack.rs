//! A minimal MessagePack writer and a bounds-checked reader for the snapshot body.
//!
//! # Design
//! The body is written and read directly (no intermediate structures, no serde): the writer
//! appends canonical encodings (smallest form for integers and lengths) to a `Vec<u8>`; the
//! reader walks a byte slice and turns every malformation into a [`SnapshotError`] — it never
//! panics and never trusts a length further than the bytes that remain (every element takes at
//! least one byte, so `len <= remaining` bounds any reservation by the input size).
//!
//! Snapshot values use: `nil`, `false`, `true`, integers, `float 64` (IEEE bits preserved) and,
//! for a reference to heap object `i`, an extension value of type 0 whose payload is `i` as a
//! big-endian integer of 1, 2 or 4 bytes (`fixext 1/2/4`); a light userdata is an extension
//! value of type 1 with its payload as a big-endian `u64` (`fixext 8`).

use super::SnapshotError;

/// Extension type of an object reference.
pub const EXT_OBJ: i8 = 0;
/// Extension type of a light userdata (its payload, big-endian, in a `fixext 8`).
pub const EXT_LIGHT: i8 = 1;

fn bad(msg: &str) -> SnapshotError {
    SnapshotError::Invalid(msg.to_string())
}

/// Appends `nil`.
#[inline]
pub fn nil(out: &mut Vec<u8>) {
    out.push(0xc0);
}

/// Appends a boolean.
#[inline]
pub fn boolean(out: &mut Vec<u8>, b: bool) {
    out.push(if b { 0xc3 } else { 0xc2 });
}

/// Appends an unsigned integer in its smallest form.
#[inline]
pub fn uint(out: &mut Vec<u8>, v: u64) {
    if v < 0x80 {
        out.push(v as u8);
    } else if v <= u8::MAX as u64 {
        out.extend_from_slice(&[0xcc, v as u8]);
    } else if v <= u16::MAX as u64 {
        out.push(0xcd);
        out.extend_from_slice(&(v as u16).to_be_bytes());
    } else if v <= u32::MAX as u64 {
        out.push(0xce);
        out.extend_from_slice(&(v as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&v.to_be_bytes());
    }
}

/// Appends a signed integer in its smallest form (non-negative values as unsigned).
#[inline]
pub fn int(out: &mut Vec<u8>, v: i64) {
    if v >= 0 {
        uint(out, v as u64);
    } else if v >= -32 {
        out.push(v as i8 as u8);
    } else if v >= i8::MIN as i64 {
        out.extend_from_slice(&[0xd0, v as i8 as u8]);
    } else if v >= i16::MIN as i64 {
        out.push(0xd1);
        out.extend_from_slice(&(v as i16).to_be_bytes());
    } else if v >= i32::MIN as i64 {
        out.push(0xd2);
        out.extend_from_slice(&(v as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&v.to_be_bytes());
    }
}

/// Appends a 64-bit float given by its bits.
#[inline]
pub fn float_bits(out: &mut Vec<u8>, bits: u64) {
    out.push(0xcb);
    out.extend_from_slice(&bits.to_be_bytes());
}

/// Appends a reference to object `i`.
#[inline]
pub fn obj(out: &mut Vec<u8>, i: u32) {
    if i <= u8::MAX as u32 {
        out.extend_from_slice(&[0xd4, EXT_OBJ as u8, i as u8]);
    } else if i <= u16::MAX as u32 {
        out.extend_from_slice(&[0xd5, EXT_OBJ as u8]);
        out.extend_from_slice(&(i as u16).to_be_bytes());
    } else {
        out.extend_from_slice(&[0xd6, EXT_OBJ as u8]);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

/// Appends a light userdata.
#[inline]
pub fn light(out: &mut Vec<u8>, payload: u64) {
    out.extend_from_slice(&[0xd7, EXT_LIGHT as u8]);
    out.extend_from_slice(&payload.to_be_bytes());
}

/// Appends an array header.
#[inline]
pub fn array_len(out: &mut Vec<u8>, n: usize) {
    if n < 16 {
        out.push(0x90 | n as u8);
    } else if n <= u16::MAX as usize {
        out.push(0xdc);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdd);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// Appends an `array 32` header whose count is patched later with [`patch_array32`]; returns
/// its position.
pub fn array32_placeholder(out: &mut Vec<u8>) -> usize {
    let at = out.len();
    out.extend_from_slice(&[0xdd, 0, 0, 0, 0]);
    at
}

/// Sets the count of an `array 32` header written by [`array32_placeholder`].
pub fn patch_array32(out: &mut [u8], at: usize, n: u32) {
    if let Some(s) = out.get_mut(at + 1..at + 5) {
        s.copy_from_slice(&n.to_be_bytes());
    }
}

/// Appends a `uint 32` (always 5 bytes) to be patched later with [`patch_uint32`]; returns
/// its position.
pub fn uint32_placeholder(out: &mut Vec<u8>) -> usize {
    let at = out.len();
    out.extend_from_slice(&[0xce, 0, 0, 0, 0]);
    at
}

/// Sets a `uint 32` written by [`uint32_placeholder`].
pub fn patch_uint32(out: &mut [u8], at: usize, n: u32) {
    if let Some(s) = out.get_mut(at + 1..at + 5) {
        s.copy_from_slice(&n.to_be_bytes());
    }
}

/// Ends a length-prefixed run: `at` holds a [`uint32_placeholder`] followed by the run (up to
/// the end of `out`). Writes the run's byte length there in its smallest form, moving the run
/// back over the unused bytes (so the encoding stays canonical).
pub fn finish_length_prefix(out: &mut Vec<u8>, at: usize) {
    let start = at + 5;
    let len = out.len().saturating_sub(start) as u64;
    let mut buf = [0u8; 9];
    let enc: &[u8] = if len < 0x80 {
        buf[0] = len as u8;
        &buf[..1]
    } else if len <= u8::MAX as u64 {
        buf[..2].copy_from_slice(&[0xcc, len as u8]);
        &buf[..2]
    } else if len <= u16::MAX as u64 {
        buf[0] = 0xcd;
        buf[1..3].copy_from_slice(&(len as u16).to_be_bytes());
        &buf[..3]
    } else if len <= u32::MAX as u64 {
        buf[0] = 0xce;
        buf[1..5].copy_from_slice(&(len as u32).to_be_bytes());
        &buf[..5]
    } else {
        buf[0] = 0xcf;
        buf[1..9].copy_from_slice(&len.to_be_bytes());
        &buf[..9]
    };
    match enc.len() {
        n if n < 5 => {
            out.copy_within(start.., at + n);
            out.truncate(out.len() - (5 - n));
        }
        5 => {}
        _ => {
            out.splice(start..start, [0u8; 4]);
        }
    }
    if let Some(s) = out.get_mut(at..at + enc.len()) {
        s.copy_from_slice(enc);
    }
}

/// Appends a byte string (`bin`).
#[inline]
pub fn bin(out: &mut Vec<u8>, b: &[u8]) {
    let n = b.len();
    if n <= u8::MAX as usize {
        out.extend_from_slice(&[0xc4, n as u8]);
    } else if n <= u16::MAX as usize {
        out.push(0xc5);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xc6);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
    out.extend_from_slice(b);
}

/// Appends a text string (`str`).
pub fn str(out: &mut Vec<u8>, s: &str) {
    let n = s.len();
    if n < 32 {
        out.push(0xa0 | n as u8);
    } else if n <= u8::MAX as usize {
        out.extend_from_slice(&[0xd9, n as u8]);
    } else if n <= u16::MAX as usize {
        out.push(0xda);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
    out.extend_from_slice(s.as_bytes());
}

/// A decoded snapshot value (object references not yet resolved).
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum RVal {
    /// nil
    Nil,
    /// false
    False,
    /// true
    True,
    /// integer
    Int(i64),
    /// float bits
    Float(u64),
    /// object reference
    Obj(u32),
    /// light userdata payload
    Light(u64),
}

/// A cursor over untrusted bytes.
#[derive(Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at `pos` of `bytes`.
    pub fn new(bytes: &'a [u8], pos: usize) -> Reader<'a> {
        Reader { bytes, pos }
    }

    /// Current position.
    #[inline]
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The bytes from the current position on.
    pub fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.pos..).unwrap_or(&[])
    }

    /// Skips `n` bytes.
    pub fn advance(&mut self, n: usize) -> Result<(), SnapshotError> {
        self.take(n).map(|_| ())
    }

    /// Bytes left.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    #[inline]
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self.pos.checked_add(n).ok_or_else(|| bad("truncated"))?;
        let s = self
            .bytes
            .get(self.pos..end)
            .ok_or_else(|| bad("truncated"))?;
        self.pos = end;
        Ok(s)
    }

    #[inline]
    fn byte(&mut self) -> Result<u8, SnapshotError> {
        let b = *self.bytes.get(self.pos).ok_or_else(|| bad("truncated"))?;
        self.pos += 1;
        Ok(b)
    }

    /// The next byte, not consumed.
    #[inline]
    pub fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    #[inline]
    fn be<const N: usize>(&mut self) -> Result<[u8; N], SnapshotError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// Reads `nil` if it is next; returns whether it was.
    #[inline]
    pub fn nil(&mut self) -> bool {
        if self.peek() == Some(0xc0) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Reads a boolean.
    pub fn boolean(&mut self) -> Result<bool, SnapshotError> {
        match self.byte()? {
            0xc2 => Ok(false),
            0xc3 => Ok(true),
            _ => Err(bad("expected a boolean")),
        }
    }

    /// Reads an integer of any encoding as `i128` (covers `u64` and `i64`).
    #[inline]
    fn integer(&mut self, b: u8) -> Result<i128, SnapshotError> {
        Ok(match b {
            0x00..=0x7f => b as i128,
            0xe0..=0xff => b as i8 as i128,
            0xcc => self.byte()? as i128,
            0xcd => u16::from_be_bytes(self.be()?) as i128,
            0xce => u32::from_be_bytes(self.be()?) as i128,
            0xcf => u64::from_be_bytes(self.be()?) as i128,
            0xd0 => self.byte()? as i8 as i128,
            0xd1 => i16::from_be_bytes(self.be()?) as i128,
            0xd2 => i32::from_be_bytes(self.be()?) as i128,
            0xd3 => i64::from_be_bytes(self.be()?) as i128,
            _ => return Err(bad("expected an integer")),
        })
    }

    /// Reads an unsigned integer.
    #[inline]
    pub fn u64(&mut self) -> Result<u64, SnapshotError> {
        let b = self.byte()?;
        u64::try_from(self.integer(b)?).map_err(|_| bad("integer out of range"))
    }

    /// Reads an unsigned integer that fits 32 bits.
    #[inline]
    pub fn u32(&mut self) -> Result<u32, SnapshotError> {
        u32::try_from(self.u64()?).map_err(|_| bad("integer out of range"))
    }

    /// Reads a signed integer.
    #[inline]
    pub fn i64(&mut self) -> Result<i64, SnapshotError> {
        let b = self.byte()?;
        i64::try_from(self.integer(b)?).map_err(|_| bad("integer out of range"))
    }

    /// Reads a signed integer that fits 32 bits.
    pub fn i32(&mut self) -> Result<i32, SnapshotError> {
        i32::try_from(self.i64()?).map_err(|_| bad("integer out of range"))
    }

    /// Reads an array header; the count is at most the bytes remaining.
    #[inline]
    pub fn array_len(&mut self) -> Result<usize, SnapshotError> {
        let n = match self.byte()? {
            b @ 0x90..=0x9f => (b & 0x0f) as usize,
            0xdc => u16::from_be_bytes(self.be()?) as usize,
            0xdd => u32::from_be_bytes(self.be()?) as usize,
            _ => return Err(bad("expected an array")),
        };
        if n > self.remaining() {
            return Err(bad("array longer than the input"));
        }
        Ok(n)
    }

    /// Reads an array header and checks its count.
    #[inline]
    pub fn array_exact(&mut self, n: usize) -> Result<(), SnapshotError> {
        if self.array_len()? != n {
            return Err(bad("wrong number of fields"));
        }
        Ok(())
    }

    /// Reads a byte string (`bin`).
    #[inline]
    pub fn bin(&mut self) -> Result<&'a [u8], SnapshotError> {
        let n = match self.byte()? {
            0xc4 => self.byte()? as usize,
            0xc5 => u16::from_be_bytes(self.be()?) as usize,
            0xc6 => u32::from_be_bytes(self.be()?) as usize,
            _ => return Err(bad("expected bytes")),
        };
        self.take(n)
    }

    /// Reads a text string (`str`) as bytes.
    pub fn str(&mut self) -> Result<&'a [u8], SnapshotError> {
        let n = match self.byte()? {
            b @ 0xa0..=0xbf => (b & 0x1f) as usize,
            0xd9 => self.byte()? as usize,
            0xda => u16::from_be_bytes(self.be()?) as usize,
            0xdb => u32::from_be_bytes(self.be()?) as usize,
            _ => return Err(bad("expected a string")),
        };
        self.take(n)
    }

    /// Reads a text string and checks it is UTF-8.
    pub fn text(&mut self) -> Result<&'a str, SnapshotError> {
        std::str::from_utf8(self.str()?).map_err(|_| bad("string is not UTF-8"))
    }

    /// Reads a snapshot value.
    #[inline]
    pub fn val(&mut self) -> Result<RVal, SnapshotError> {
        let b = self.byte()?;
        Ok(match b {
            0xc0 => RVal::Nil,
            0xc2 => RVal::False,
            0xc3 => RVal::True,
            0xcb => RVal::Float(u64::from_be_bytes(self.be()?)),
            0xd4 => {
                self.ext_type()?;
                RVal::Obj(self.byte()? as u32)
            }
            0xd5 => {
                self.ext_type()?;
                RVal::Obj(u16::from_be_bytes(self.be()?) as u32)
            }
            0xd6 => {
                self.ext_type()?;
                RVal::Obj(u32::from_be_bytes(self.be()?))
            }
            0xd7 => {
                if self.byte()? as i8 != EXT_LIGHT {
                    return Err(bad("unknown extension type"));
                }
                RVal::Light(u64::from_be_bytes(self.be()?))
            }
            _ => {
                RVal::Int(i64::try_from(self.integer(b)?).map_err(|_| bad("integer out of range"))?)
            }
        })
    }

    #[inline]
    fn ext_type(&mut self) -> Result<(), SnapshotError> {
        if self.byte()? as i8 != EXT_OBJ {
            return Err(bad("unknown extension type"));
        }
        Ok(())
    }

    /// Reads an object reference (a plain unsigned integer).
    #[inline]
    pub fn index(&mut self) -> Result<u32, SnapshotError> {
        self.u32()
    }

    /// Reads an optional object reference (`nil` or an unsigned integer).
    #[inline]
    pub fn opt_index(&mut self) -> Result<Option<u32>, SnapshotError> {
        if self.nil() {
            Ok(None)
        } else {
            self.u32().map(Some)
        }
    }

    /// Skips one value of any MessagePack type (iteratively: no recursion on nesting).
    pub fn skip_any(&mut self) -> Result<(), SnapshotError> {
        let mut pending: u64 = 1;
        while pending > 0 {
            pending -= 1;
            let b = self.byte()?;
            let skip = match b {
                0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => 0,
                0x80..=0x8f => {
                    pending += 2 * (b & 0x0f) as u64;
                    0
                }
                0x90..=0x9f => {
                    pending += (b & 0x0f) as u64;
                    0
                }
                0xa0..=0xbf => (b & 0x1f) as usize,
                0xc4 | 0xd9 => self.byte()? as usize,
                0xc5 | 0xda => u16::from_be_bytes(self.be()?) as usize,
                0xc6 | 0xdb => u32::from_be_bytes(self.be()?) as usize,
                0xc7 => self.byte()? as usize + 1,
                0xc8 => u16::from_be_bytes(self.be()?) as usize + 1,
                0xc9 => u32::from_be_bytes(self.be()?) as usize + 1,
                0xca => 4,
                0xcb => 8,
                0xcc | 0xd0 => 1,
                0xcd | 0xd1 => 2,
                0xce | 0xd2 => 4,
                0xcf | 0xd3 => 8,
                0xd4 => 2,
                0xd5 => 3,
                0xd6 => 5,
                0xd7 => 9,
                0xd8 => 17,
                0xdc => {
                    pending += u16::from_be_bytes(self.be()?) as u64;
                    0
                }
                0xdd => {
                    pending += u32::from_be_bytes(self.be()?) as u64;
                    0
                }
                0xde => {
                    pending += 2 * u16::from_be_bytes(self.be()?) as u64;
                    0
                }
                0xdf => {
                    pending += 2 * u32::from_be_bytes(self.be()?) as u64;
                    0
                }
                0xc1 => return Err(bad("reserved byte")),
            };
            self.take(skip)?;
            if pending > self.remaining() as u64 {
                return Err(bad("truncated"));
            }
        }
        Ok(())
    }

    /// Skips `n` snapshot values.
    #[inline]
    pub fn skip_vals(&mut self, n: usize) -> Result<(), SnapshotError> {
        let mut pos = self.pos;
        for _ in 0..n {
            let b = *self.bytes.get(pos).ok_or_else(|| bad("truncated"))?;
            let size = VAL_SIZE[b as usize];
            if size == 0 {
                return Err(bad("expected a value"));
            }
            pos += size as usize;
        }
        if pos > self.bytes.len() {
            return Err(bad("truncated"));
        }
        self.pos = pos;
        Ok(())
    }
}

/// Encoded size of a snapshot value by its first byte (0: not a value).
static VAL_SIZE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match b {
            0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => 1,
            0xcc | 0xd0 => 2,
            0xcd | 0xd1 => 3,
            0xce | 0xd2 => 5,
            0xcf | 0xd3 | 0xcb => 9,
            0xd4 => 3,
            0xd5 => 4,
            0xd6 => 6,
            0xd7 => 10,
            _ => 0,
        };
        b += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_round_trip() {
        for v in [
            0i64,
            1,
            127,
            128,
            255,
            256,
            65535,
            65536,
            -1,
            -32,
            -33,
            -128,
            -129,
            i64::MIN,
            i64::MAX,
            1 << 40,
            -(1 << 40),
        ] {
            let mut out = Vec::new();
            int(&mut out, v);
            let mut r = Reader::new(&out, 0);
            assert_eq!(r.val().unwrap(), RVal::Int(v));
            assert_eq!(r.remaining(), 0);
            let mut r = Reader::new(&out, 0);
            r.skip_any().unwrap();
            assert_eq!(r.remaining(), 0);
        }
        for i in [0u32, 255, 256, 65535, 65536, u32::MAX] {
            let mut out = Vec::new();
            obj(&mut out, i);
            let mut r = Reader::new(&out, 0);
            assert_eq!(r.val().unwrap(), RVal::Obj(i));
            let mut r = Reader::new(&out, 0);
            r.skip_vals(1).unwrap();
            assert_eq!(r.remaining(), 0);
        }
    }

    #[test]
    fn light_userdata_values_round_trip_and_skip() {
        for p in [0u64, 1, 0xdead_beef, u64::MAX] {
            let mut out = Vec::new();
            light(&mut out, p);
            let mut r = Reader::new(&out, 0);
            assert_eq!(r.val().unwrap(), RVal::Light(p));
            let mut r = Reader::new(&out, 0);
            r.skip_vals(1).unwrap();
            assert_eq!(r.remaining(), 0);
            let mut r = Reader::new(&out[..9], 0);
            assert!(r.val().is_err() && Reader::new(&out[..9], 0).skip_vals(1).is_err());
        }
        // An unknown extension type in a fixext 8 is an error, not a light userdata.
        let mut r = Reader::new(&[0xd7, 5, 0, 0, 0, 0, 0, 0, 0, 0], 0);
        assert!(r.val().is_err());
    }

    #[test]
    fn length_prefixes_are_canonical() {
        for len in [0usize, 1, 127, 128, 255, 256, 65_535, 65_536, 100_000] {
            let mut out = vec![0x93];
            let at = uint32_placeholder(&mut out);
            out.extend((0..len).map(|i| i as u8));
            finish_length_prefix(&mut out, at);
            let mut canonical = vec![0x93];
            uint(&mut canonical, len as u64);
            assert_eq!(out[..canonical.len()], canonical[..]);
            let mut r = Reader::new(&out, 1);
            assert_eq!(r.u64().unwrap(), len as u64);
            assert_eq!(r.remaining(), len);
            assert!(r.rest().iter().enumerate().all(|(i, &b)| b == i as u8));
        }
    }
}
