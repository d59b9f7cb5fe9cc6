-- string.pack / string.unpack / string.packsize

local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end

print(hex(string.pack("<i4", 1)), hex(string.pack(">i4", 1)), hex(string.pack("<i2", -2)))
print(hex(string.pack("<I8", 0x0102030405060708)), hex(string.pack(">j", -1)))
print(hex(string.pack("b B h H", -1, 255, -300, 60000)))
print(hex(string.pack("<i3", 0x123456)), hex(string.pack(">I3", 0x123456)))
print(hex(string.pack("<d", 1.5)), hex(string.pack(">f", -2.0)))
print(hex(string.pack("z", "abc")), hex(string.pack("s1", "abc")), hex(string.pack("<s2", "hi")))
print(hex(string.pack("c5", "ab")), pcall(string.pack, "c2", "abc"))
print(hex(string.pack("<!4 i1 i4", 1, 2)), hex(string.pack("<i1 x i1", 1, 2)))
print(hex(string.pack("<i1 Xi4 i4", 1, 2)))
print(string.unpack("<i4", string.pack("<i4", -123456)))
print(string.unpack(">I2 <I2", "\1\2\1\2"))
print(string.unpack("z z", "hello\0world\0"))
print(string.unpack("s1", "\5hello!"))
print(string.unpack("<d f", string.pack("<d f", 3.25, 0.5)))
print(string.unpack("b", "\255"), string.unpack("B", "\255"))
print(string.unpack("<i2", "\1\2\3\4", 3))
print(string.unpack("<i16", string.pack("<i16", -3)))
print(pcall(string.unpack, "<i9", string.rep("\255", 8) .. "\127"))
print(string.unpack("<I9", string.rep("\255", 8) .. "\0"))
print(string.packsize("i4 i8 d b"), string.packsize("!8 b d"), string.packsize("c10"), string.packsize(""))
print(pcall(string.packsize, "s"), pcall(string.packsize, "z"))
print(pcall(string.pack, "i4", 2^40))
print(pcall(string.pack, "i1", 200))
print(pcall(string.pack, "I1", -1))
print(pcall(string.unpack, "i4", "\1\2"))
print(pcall(string.pack, "q", 1))
print(pcall(string.pack, "i0", 1))
print(pcall(string.unpack, "z", "no terminator"))
print(pcall(string.pack, "z", "a\0b"))
-- round trips
local fmt = "<i1 i2 i4 i8 I1 I2 I4 j J n d f s4 z"
local packed = string.pack(fmt, -1, -2, -3, -4, 1, 2, 3, 4, 5, 6.5, 7.25, 8.5, "str", "zstr")
print(#packed, string.unpack(fmt, packed))
-- alignment with !
print(hex(string.pack("!2 b h", 1, 2)), hex(string.pack("!2 b i8", 1, 2)))
print(string.packsize("!4 b i8"), string.packsize("! b d"))
-- native endianness marker '=' and options with spaces
print(string.unpack("= i4", string.pack("= i4", 77)))
-- unpack position argument and trailing position
print(string.unpack("B", "abc", -1), pcall(string.unpack, "B", "abc", 5))
