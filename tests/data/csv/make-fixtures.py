#!/usr/bin/env python3
# Regenerates the CSV fixtures used by tests/test-csv.c.
#
# The files are committed as they are (see .gitattributes: binary, so git
# never touches their line ends or encodings); this script only records how
# each one was made. Every expectation lives in test-csv.c.
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data, encoding="utf-8"):
    if isinstance(data, str):
        data = data.encode(encoding)
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


write("simple.csv", "name,email,company\nAlice,alice@example.com,Acme\nBob,bob@example.com,Initech\n")
write("quoted.csv", 'name,title,note\n"Smith, John","CEO ""Chief""",plain\n"","""",x\n')
write("quoted-newline.csv",
      'name,address\r\n"Ann","12 Main St\r\nSpringfield"\r\n"Bob","line1\nline2\nline3"\r\nCid,x\r\n')
write("cr-only.csv", 'a,b\rc,d\r"e\re",f\r')
write("mixed-line-ends.csv", "a,b\r\nc,d\ne,f\rg,h\r\r\ni,j\n")
write("bom-utf8.csv", "\ufeffname,city\nZoë,Kraków\n")
utf16 = "name,city\r\nŁukasz,Łódź\r\nZoë,Zürich\r\n\"Emoji 😀\",x\r\n"
write("utf16le-bom.csv", b"\xff\xfe" + utf16.encode("utf-16-le"))
write("utf16be-bom.csv", b"\xfe\xff" + utf16.encode("utf-16-be"))
write("windows-1250-polish.csv",
      "imię;nazwisko;miasto\r\nŁukasz;Żółć;Łódź\r\nGrzegorz;Brzęczyszczykiewicz;Chrząszczyżewoszyce\r\n"
      "Jadwiga;Ślązak;Gdańsk\r\n", "cp1250")
write("windows-1250-czech.csv",
      "jméno;příjmení;město\r\nAntonín;Dvořák;Praha\r\nBožena;Němcová;Brno\r\nTomáš;Růžička;Plzeň\r\n",
      "cp1250")
write("windows-1252-western.csv",
      "first,last,city\r\nZoë,Müller,Zürich\r\nFrançois,Lefèvre,Besançon\r\nSøren,Ångström,Malmö\r\n",
      "cp1252")
write("windows-1252-pounds.csv", "item,price\r\nTea,£3.50\r\nCake,£12\r\n", "cp1252")
write("iso-8859-2-polish.csv", "imię,nazwisko\nAgnieszka,Wąsik\nŚwiętosław,Kaczmarek\n", "iso-8859-2")
write("utf8-invalid.csv", b"name,city\nAnn,Paris\nZo\xeb,Berlin\n")
write("semicolon.csv", "Name;Price;Qty\nWidget;1,50;3\nGadget;2,25;10\n")
write("tab.tsv", 'name\temail\tnote\nAnn\tann@example.org\t"a, b; c"\nBob\tbob@example.org\t\n')
write("pipe.csv", "id|name|tags\n1|Ann|a,b\n2|Bob|c;d\n")
write("comma-semicolons-quoted.csv", 'name,note\nAnn,"x;y;z"\nBob,a;b\n')
write("empty.csv", "")
write("header-only.csv", "name,email\n")
write("header-only-no-newline.csv", "name,email")
write("no-trailing-newline.csv", "a,b\n1,2")
write("empty-last-field.csv", "a,b,c\n1,2,\n3,4,")
write("blank-lines.csv", "a,b\n\n1,2\r\n\r\n3,4\n\n")
write("ragged.csv", 'a,b,c\n1,2\n"multi\nline",x,y,z\n3,4,5\n')
write("unterminated-quote.csv", 'a,b\n1,2\n3,"oops\n4,5\n6,7\n')
write("nul-byte.csv", b'a,b\n1,2\n3,x\x00y\n4,5\n5,"p\nq\x00r"\n6,7')
write("long-field.csv", 'a,b\n1,short\n2,"0123456789abcdefghij\nline two of the long field"\n3,ok\n')
write("chunk-boundaries.csv", 'h1,h2\r\n"a""b","c\r\nd"\r\n"""",""\r\nż,😀\r\n"x""",y\r\n')
write("lenient-quotes.csv", 'a,b\n5" screen,x\n"abc"def,y\n')
write("whitespace.csv", ' a , b \n" c ", d\n')

# Import fixtures (tests/test-import.c holds what each must give).
write("import-english.csv",
      "First Name,Last Name,E-mail Address,Company Name,Job Title,Time Zone,LinkedIn URL,Tags,Notes\r\n"
      "Ann,Smith,Ann.Smith@Acme.com,Acme,CEO,Europe/Warsaw,linkedin.com/in/ann,\"vip, q1\",\r\n"
      "Bob,Jones,bob@initech.example,Initech,CTO,Mars/Olympus,,q1,\"Met at a fair, liked \"\"demo\"\"\"\r\n"
      "Cid,,cid@example.org,,,,,,\"two\r\nlines\"\r\n")
write("import-polish.csv",
      "Imię;Nazwisko;Adres e-mail;Nazwa firmy;Stanowisko;Strefa czasowa;Miasto\r\n"
      "Łukasz;Żółć;lukasz@firma.pl;Firma Sp. z o.o.;Prezes zarządu;Europe/Warsaw;Łódź\r\n"
      "Grzegorz;Brzęczyszczykiewicz;grzegorz@chrzaszczyzewoszyce.pl;Gmina;Wójt;;Chrząszczyżewoszyce\r\n",
      "cp1250")
write("import-full-name.csv",
      "Name,Email,Organization\n"
      "Jan Maria Kowalski,jan@example.pl,Acme\n"
      "\"Nowak, Anna\",anna@example.pl,Acme\n"
      "Cher,cher@example.com,\n")
write("import-dedupe.csv",
      "email,first_name,last_name,company,city\n"
      "ann@acme.com,Ann,,Acme,\n"
      "ANN@ACME.COM,Annie,Smith,,Warsaw\n"
      "bob@acme.com,Bob,,,\n"
      "  Ann@Acme.com ,,,Other,Berlin\n")
write("import-hostile.csv",
      b"email,first_name,company,notes\n"
      b"a@example.com,\"Ann\r\nBcc: evil@example.net\",\"Acme\x01Corp\",\"back\\\\slash \"\"q\"\" \x02\"\n"
      b"\"b@example.com\r\nBcc: evil@example.net\",Bob,,\n"
      b"c@example.com,C\x00id,,\n"
      b"d@example.com,Dan,too,many,fields\n"
      b"e@example.com,Eve\n"
      b"f@example.com,Fay,,,\n")
write("import-idn.csv",
      "email,first_name\n"
      "user@bücher.example,Ünal\n"
      "USER@xn--bcher-kva.example,Other\n"
      "jan@żółw.pl,Jan\n")
write("import-unterminated.csv", 'email,name\na@example.com,A\nb@example.com,"oops\nc@example.com,C\n')
write("import-no-email.csv", "name,company\nAnn,Acme\n")
