package password

// Known vectors for every supported format, produced once by implementations
// independent of this package (the Debian packages argon2 20190702,
// apache2-utils 2.4 (htpasswd), slapd 2.5 (slappasswd, pw-sha2 module),
// python3-bcrypt 3.2.2, python3-passlib 1.7.4, and Python 3.11's hashlib) and
// pasted here. The command that produced each vector is written above it;
// $P stands for the password of the vector.
//
// To reproduce: apt-get install argon2 apache2-utils slapd python3-bcrypt python3-passlib

import "strings"

const (
	pwHorse  = "correct horse battery staple"
	pwPolish = "Zażółć gęślą jaźń"
)

// pwLong is longer than the 72 bytes bcrypt reads: b"x"*72 + b"TAIL-IGNORED".
var pwLong = strings.Repeat("x", 72) + "TAIL-IGNORED"

type vector struct {
	name string
	hash string
	pw   string
	// rehash is NeedsRehash's expected answer for a Hasher with DefaultParams.
	rehash bool
}

var vectors = []vector{
	// echo -n "$P" | argon2 saltsaltsalt1234 -id -t 2 -k 19456 -p 1 -l 32 -e
	{"argon2id default params", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0MTIzNA$3sOlQyZQ3asEqhCko2TQGcIzwlkxeNQtuSu1sisMsMg", pwHorse, false},
	// echo -n "$P" | argon2 somesaltvalue -id -t 1 -k 64 -p 2 -l 24 -e
	{"argon2id p=2 13-byte salt", "$argon2id$v=19$m=64,t=1,p=2$c29tZXNhbHR2YWx1ZQ$viCrLv9vtjikXTPHFHd9iuhcOLIIVdx8", pwHorse, true},
	// echo -n "$P" | argon2 saltsaltsalt1234 -id -t 1 -k 64 -p 1 -l 32 -e
	{"argon2id cheap params polish", "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0MTIzNA$bRQuGGxI47XCGoycLn6junJV+y61u4Ke2qbEVPieWqE", pwPolish, true},
	// echo -n "$P" | argon2 otherSaltValue -i -t 3 -k 256 -p 1 -l 32 -e
	{"argon2i", "$argon2i$v=19$m=256,t=3,p=1$b3RoZXJTYWx0VmFsdWU$t+LS670yE9RgwPzSxdny+uL5B8z5Acz7cAwwgVHZafA", pwHorse, true},

	// htpasswd -nbB -C 5 u "$P"
	{"bcrypt 2y htpasswd", "$2y$05$ChCXZfPSZMOa1ESGI9X.U.mgaKR163o/2ofVhEArLukdqTAbFMPVS", pwHorse, true},
	// htpasswd -nbB -C 4 u "$P"
	{"bcrypt 2y polish", "$2y$04$jAX64Ruf57.ZKDdZt7T5GeM3hxvCKfTf1NZsihqUkH3FQdOs/X/ua", pwPolish, true},
	// python3 -c 'import bcrypt; print(bcrypt.hashpw(P, bcrypt.gensalt(rounds=4, prefix=b"2a")))'
	{"bcrypt 2a", "$2a$04$TupSF.yoxfXnPx56n0PZ0ejzHQOfJupXOWa2Ln7JFBELNeVsb3ehC", pwHorse, true},
	// python3 -c 'import bcrypt; print(bcrypt.hashpw(P, bcrypt.gensalt(rounds=4, prefix=b"2b")))'
	{"bcrypt 2b", "$2b$04$99Cb0lD6P0Xcp/BLBizPNeDI1D.ZcRwJ2tkKTaQed5gAqJJMVX5ku", pwHorse, true},
	// python3 -c 'import bcrypt; print(bcrypt.hashpw(pwLong, bcrypt.gensalt(rounds=4, prefix=b"2b")))'
	// (bcrypt.checkpw(b"x"*72, h) is True: bytes after the 72nd are ignored)
	{"bcrypt 2b long password", "$2b$04$R4SQRPRNBXDhwwJHYG2dv.5zeo9.iEUzQbebp8aP4jzgpfEKYHoJa", pwLong, true},

	// python3 -c 'import hashlib, base64; print("pbkdf2_sha256$1000$CgU7rNqz9hUV7TzXhRkkU2$" +
	//   base64.b64encode(hashlib.pbkdf2_hmac("sha256", P.encode(), b"CgU7rNqz9hUV7TzXhRkkU2", 1000)).decode())'
	// (passlib.hash.django_pbkdf2_sha256.verify(P, h) is True)
	{"django pbkdf2_sha256", "pbkdf2_sha256$1000$CgU7rNqz9hUV7TzXhRkkU2$Zl+lyCNH2rrqTOx/793V0XRQk7wCSUFEqShwBRrPAiI=", pwHorse, true},
	// the same with salt "saltySalt" and 10000 iterations
	{"django pbkdf2_sha256 polish", "pbkdf2_sha256$10000$saltySalt$TvL1P2WEw8HQMSFBLg76T9zVtqoP2IvupeygCen4ODQ=", pwPolish, true},

	// python3 -c 'from passlib.hash import pbkdf2_sha256; print(pbkdf2_sha256.using(rounds=1500).hash(P))'
	{"passlib pbkdf2-sha256", "$pbkdf2-sha256$1500$EoIwRoixdk4JQeidUwrh/A$9Xc/DW6wO.g83/z8h27EcOtkKbWPlGRk0z1A/j3xeqo", pwHorse, true},
	// python3 -c 'from passlib.hash import pbkdf2_sha512; print(pbkdf2_sha512.using(rounds=1500).hash(P))'
	{"passlib pbkdf2-sha512", "$pbkdf2-sha512$1500$T4lxjvG.N.YcA.Bc6/3/Xw$9HZNb8ewy1.KvOQf6CIfCpoO04H.r7d/KIZkq5507kmfNTESo8ghoxl2g.RtIt1UpMx9r98VLiYytF2im1F//w", pwHorse, true},
	// ab64 = lambda b: base64.b64encode(b).decode().rstrip("=").replace("+", ".")
	// s = bytes.fromhex("fbfe7e3f0f10e1c2")
	// "$pbkdf2-sha256$2000$" + ab64(s) + "$" + ab64(hashlib.pbkdf2_hmac("sha256", P.encode(), s, 2000))
	// (passlib's pbkdf2_sha256.verify(P, h) is True)
	{"passlib pbkdf2-sha256 polish", "$pbkdf2-sha256$2000$./5.Pw8Q4cI$WoNQkC1lLJc/cDO0vN2nKhvLCP6vnQSe8keLZnB0EZA", pwPolish, true},
	// the same with "sha512" (passlib's pbkdf2_sha512.verify(P, h) is True)
	{"passlib pbkdf2-sha512 polish", "$pbkdf2-sha512$2000$./5.Pw8Q4cI$TsZK.9Z6Qyda90Xgw2C3ahqmcXr4f6GDR/mtXfuMFYmMz8MXzG7LWq4QB4fPrArJMgYWPwxOlWLxPgDrKujLzA", pwPolish, true},
	// r = lambda b: base64.b64encode(b).decode().rstrip("=")
	// s = bytes.fromhex("a3f9c27b11e04d5588bb0f6e2d3c4a5b")
	// "$pbkdf2-sha256$i=1000,l=32$" + r(s) + "$" + r(hashlib.pbkdf2_hmac("sha256", P.encode(), s, 1000))
	{"phc pbkdf2-sha256", "$pbkdf2-sha256$i=1000,l=32$o/nCexHgTVWIuw9uLTxKWw$ttfEg0SsgjhK3/PcLxuJSRadIbhysIAF+6Cpt2T/oW0", pwHorse, true},
	// the same with "sha512" and l=64
	{"phc pbkdf2-sha512", "$pbkdf2-sha512$i=1000,l=64$o/nCexHgTVWIuw9uLTxKWw$Dg3s1QSTyDrvrdCxhWRhp95ZE7w7Ft3tb7G1M58j2sYWMYGIjEfS+OlimHDsl/oNRztY1H+otmyD3+FrE+2MHQ", pwHorse, true},
	// the same without ",l=64"
	{"phc pbkdf2-sha512 no l", "$pbkdf2-sha512$i=1000$o/nCexHgTVWIuw9uLTxKWw$Dg3s1QSTyDrvrdCxhWRhp95ZE7w7Ft3tb7G1M58j2sYWMYGIjEfS+OlimHDsl/oNRztY1H+otmyD3+FrE+2MHQ", pwHorse, true},

	// slappasswd -h '{SSHA}' -s "$P"
	{"ssha", "{SSHA}+rNhM8aiuBY+IFZac9/RGyeJnVmVcVay", pwHorse, true},
	// slappasswd -h '{SSHA}' -s "$P"
	{"ssha polish", "{SSHA}xmP65puUJnjjnk3cO3EaGv59ZociJ3Zs", pwPolish, true},
	// slappasswd -o module-load=pw-sha2 -h '{SSHA256}' -s "$P"
	{"ssha256", "{SSHA256}DZD4WBFpw/J8eUEazPkxnCNtC7JFmbvSl/d4bsiaLFi807csAyDPiQ==", pwHorse, true},
	// slappasswd -o module-load=pw-sha2 -h '{SSHA512}' -s "$P"
	{"ssha512", "{SSHA512}TZ7dtW73e3DasptoEM/FNvbxNizigKRT2Ds80QCn4Nc5kyugyfCoKQl0bN++YkU0HGNh5dq8otJ4PasAXrUj8GL1aOlfkh7d", pwHorse, true},
	// s = bytes.fromhex("00112233445566778899aabbccddeeff")
	// "{SSHA256}" + base64.b64encode(hashlib.sha256(P.encode() + s).digest() + s).decode()
	{"ssha256 16-byte salt polish", "{SSHA256}nuNFeLAcQdTjsH0Z5mmUSeyM8HWVvAZXUEqgsDFAOwkAESIzRFVmd4iZqrvM3e7/", pwPolish, true},
	// the same with "SSHA512" and hashlib.sha512
	{"ssha512 16-byte salt polish", "{SSHA512}vZM2kitz40jft3iZLptGD/ZjQQtUaH8QtBMyJ22UDwF20d13qDdcw0F+25eR44I05hrD0OBuIzyHpB4lqj/QggARIjNEVWZ3iJmqu8zd7v8=", pwPolish, true},
	// the {SSHA} vector above with the scheme in lower case, which OpenLDAP accepts
	{"ssha lower-case scheme", "{ssha}+rNhM8aiuBY+IFZac9/RGyeJnVmVcVay", pwHorse, true},
}

// rehashVectors are argon2id hashes, made like the vectors above, that
// differ from DefaultParams in one parameter each. NeedsRehash only parses
// them, so these stay cheap under the race detector.
var rehashVectors = []struct{ name, hash string }{
	// echo -n "$P" | argon2 saltsaltsalt1234 -id -t 3 -k 19456 -p 1 -l 32 -e
	{"argon2id t=3", "$argon2id$v=19$m=19456,t=3,p=1$c2FsdHNhbHRzYWx0MTIzNA$6vVJgX/NmT2qXdRHISne6CrRDUZ9buezFKwoHRTUnMo"},
	// echo -n "$P" | argon2 saltsaltsalt1234 -id -t 2 -k 19456 -p 1 -l 16 -e
	{"argon2id 16-byte key", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0MTIzNA$WKlF5ss8IIefKBbNF/Wl4Q"},
	// echo -n "$P" | argon2 saltsaltsalt1234 -id -t 2 -k 19456 -p 2 -l 32 -e
	{"argon2id p=2", "$argon2id$v=19$m=19456,t=2,p=2$c2FsdHNhbHRzYWx0MTIzNA$9WILGaVQKad3ugKlJn2PjhAS4jPlkRSKfqIOpYOhsyQ"},
	// echo -n "$P" | argon2 saltsaltsalt1234 -id -t 2 -k 19457 -p 1 -l 32 -e
	{"argon2id m=19457", "$argon2id$v=19$m=19457,t=2,p=1$c2FsdHNhbHRzYWx0MTIzNA$tIBe7Xieia/hLskVb9xlBf1N6C/TTfc3BWKEILuwLl4"},
	// echo -n "$P" | argon2 saltsalt -id -t 2 -k 19456 -p 1 -l 32 -e
	{"argon2id 8-byte salt", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$269AEwl1G187DlRl7uWM4agPUZ1gCSaZaShUqPfDu/E"},
	// echo -n "$P" | argon2 saltsaltsalt1234 -i -t 2 -k 19456 -p 1 -l 32 -e
	{"argon2i default params", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0MTIzNA$Yp2nOzAboMqRsidAehbMnwwE9fcYJ5hYVTK05V0S2Rc"},
}
