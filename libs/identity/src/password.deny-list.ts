/**
 * A compact deny-list of passwords, and the bases of passwords, that attackers try first
 * (NIST SP 800-63B §3.1.1.2: "passwords obtained from previous breach corpuses", "dictionary
 * words", "context-specific words, such as the name of the service").
 *
 * Hand-compiled from the head of widely published frequency lists of breached passwords (the
 * same few hundred words top every one of them) plus words of our own context (hospital, the
 * product's name). Entries are lower-case letters and digits only: the policy compares them with
 * a password folded the same way, with and without leading and trailing digits and symbols and
 * with common character substitutions undone (`P@ssw0rd!2024` → `password`), so one entry covers
 * its many decorations.
 *
 * Short entries matter although a password needs 12 characters: `password` stands for
 * `Password1234!`. A full breach corpus (hundreds of millions of entries) is out of scope for a
 * source file; a deployment that wants one should put a k-anonymity range query in front.
 */
const WORDS = `
password passw0rd passwd pass1234 password1 password12 password123 password1234 passwordpassword mypassword
thepassword newpassword oldpassword nopassword yourpassword secretpassword superpassword masterpassword
adminpassword defaultpassword temppassword testpassword userpassword rootpassword passwordispassword
thisismypassword thisisapassword whatisthepassword changeme changemenow changeit changethis pleasechangeme
default letmein letmeinnow letmein123 welcome welcome1 welcomeback welcometothejungle secret supersecret
topsecret mysecret secretsecret trustno1 trustnoone nobodyknows guessme guessit iloveyou iloveyou1 iloveyou2
iloveyoutoo iloveyouso iloveyoubaby iloveyouforever iloveme loveme lovely loveyou lover lovers love123 admin
admin123 admin1234 administrator administrador root toor guest user username login logon access access14
accessgranted master masterkey superman superwoman batman spiderman ironman wonderwoman starwars startrek
pokemon pikachu minecraft fortnite roblox naruto dragonball onepiece matrix neo qwerty qwerty1 qwerty12
qwerty123 qwertyuiop qwertyuiop1 qwertyuiop123 qwertyqwerty qwertz qwertzuiop azerty azertyuiop asdfgh
asdfghjkl asdf1234 asdfasdf zxcvbn zxcvbnm qazwsx qazwsxedc qazwsxedcrfv 1qaz2wsx 1qaz2wsx3edc
1qaz2wsx3edc4rfv zaq12wsx zaq1zaq1 zaq12wsxcde3 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y 1q2w3e4r5t6y7u q1w2e3r4
q1w2e3r4t5 q1w2e3r4t5y6 a1b2c3d4 a1b2c3d4e5 a1b2c3d4e5f6 1a2b3c4d 1a2b3c4d5e6f abc123 abc12345 abcd1234
abcabc abcdabcd 123abc 123qwe 123qweasd 123qweasdzxc 1234qwer 1234abcd qwe123 qweasd qweasdzxc qweasdzxc123
zxc123 aaa111 abc123abc123 qwerty123456 password123456 123456 1234567 12345678 123456789 1234567890
12345678910 123123 123321 654321 111111 121212 112233 696969 666666 777777 888888 999999 000000 159753
147258369 987654321 0987654321 11223344 12344321 dragon monkey football baseball basketball soccer hockey
tennis golfer sunshine shadow ashley michael jessica jennifer michelle daniel jordan joshua andrew thomas
robert charlie charles william jackson anthony matthew christopher nicole amanda melissa elizabeth samantha
stephanie heather hannah jasmine justin taylor austin george harley hunter buster tigger pepper ginger
maggie bailey princess princess1 prince sweetheart sweetie sweety honey honeybee angel angels angel1
babygirl baby babyboy beautiful pretty cutie cupcake butterfly flower flowers rainbow unicorn sunflower
summer winter spring autumn september october november december january february monday friday sunday
weekend holiday freedom liberty victory forever always whatever nothing something anything everything hello
hello123 helloworld hellokitty goodbye cheese cookie cookies chocolate banana orange apple pineapple
strawberry blueberry chicken pizza coffee computer internet google yahoo hotmail facebook instagram twitter
youtube linkedin microsoft windows apple123 samsung iphone android nintendo playstation xbox360 blink182
metallica liverpool arsenal chelsea manchester manchesterunited barcelona realmadrid juventus yankees redsox
cowboys steelers packers lakers eagles patriots raiders dolphins mustang corvette ferrari porsche mercedes
harleydavidson killer ninja warrior soldier sniper hunter2 gangster hacker hacked jesus jesuschrist christ
godisgood blessed blessing faith heaven lucifer charlie1 silver golden diamond purple yellow orange1 black
white redred test test123 test1234 testing testtest tester demo demo123 sample example temp temp123
temporary guest123 user123 root123 pass pass123 passpass letmein1 welcome123 welcome1234 iloveyou123
iloveyou1234 monkey123 dragon123 sunshine123 football123 qwerty1234 princess123 superman123 starwars123
baseball123 master123 shadow123 michael123 zaq123 qazxsw qwer1234 asdf123 zxcv1234 asdfqwer qwerasdf
qwerasdfzxcv correcthorsebatterystaple correcthorse batterystaple trustnoone123 hospital medical medicine
doctor doctors nurse nurses nursing surgeon surgery surgical anesthesia anaesthesia anesthesiologist patient
patients healthcare health clinic clinical operating operatingroom theatre theater circulator epic cerner
meditech
`;

/** The deny-list, folded (lower-case letters and digits only). */
export const PASSWORD_DENY_LIST: ReadonlySet<string> = new Set(WORDS.split(/\s+/).filter((word) => word !== ''));
