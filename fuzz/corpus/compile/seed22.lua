-- string literal escapes

print("tab:\t|", "newline escaped:\\n", 'single \'quoted\'', "double \"quoted\"")
print("\65\066\0671", "\x41\x62\x7A", "\u{48}\u{49}", "\z
       continued after z")
print(#"\0", #"a\0b", string.byte("\0"), #"\x00\x00")
print(string.byte("\a\b\f\n\r\t\v\\\"\'", 1, -1))
print(#"\u{7FF}", #"\u{FFFF}", #"\u{10FFFF}", #"\u{7FFFFFFF}")
print(string.byte("\u{7FFFFFFF}", 1, -1))
print(string.byte("\u{80}", 1, -1))
print(string.byte("\u{0}\u{7F}", 1, -1))
print("line1\
line2")
print("a\z    b", "a\z
   
   b")
print("\255\254" == "\xff\xfe", "\9" == "\t", "\10" == "\n", "\013" == "\r")
print("\1234" == "{4")
print(("\x48\x65\x6c\x6c\x6f"):upper())
-- escapes inside long strings are not processed
print([[\n\t\65]])
print(#"\z", #"\z   ")
local s = "\u{E9}t\u{E9}"
print(#s, s == "\xC3\xA9t\xC3\xA9")
print("\"\\\"")
