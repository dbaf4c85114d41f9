import BalanceTestSupport
import XCTest
@testable import BalanceSupport

/// The YAML reader against the examples of the YAML 1.2.2 specification
/// (https://yaml.org/spec/1.2.2/, example numbers as there) that fall in the
/// subset it reads, the exporter-toolkit's sample web configuration, the
/// README's configuration written as YAML, and hostile inputs.
final class YAMLTests: XCTestCase {
    private func json(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> JSONValue? {
        do {
            return try YAMLDocument.parse(Array(yaml.utf8)).jsonValue
        } catch {
            XCTFail("\(error)", file: file, line: line)
            return nil
        }
    }

    private func expected(_ json: String) -> JSONValue? { JSONValue.parse(Array(json.utf8)) }

    private func error(_ yaml: String) -> YAMLError? {
        do {
            _ = try YAMLDocument.parse(Array(yaml.utf8))
            return nil
        } catch {
            return error
        }
    }

    // MARK: Specification examples

    func testChapter2Collections() {
        let cases: [(String, String, String)] = [
            ("2.1", "- Mark McGwire\n- Sammy Sosa\n- Ken Griffey\n", #"["Mark McGwire","Sammy Sosa","Ken Griffey"]"#),
            ("2.2", "hr:  65    # Home runs\navg: 0.278 # Batting average\nrbi: 147   # Runs Batted In\n",
             #"{"hr":65,"avg":0.278,"rbi":147}"#),
            ("2.3", "american:\n- Boston Red Sox\n- Detroit Tigers\nnational:\n- New York Mets\n- Chicago Cubs\n",
             #"{"american":["Boston Red Sox","Detroit Tigers"],"national":["New York Mets","Chicago Cubs"]}"#),
            ("2.4", "-\n  name: Mark McGwire\n  hr:   65\n-\n  name: Sammy Sosa\n  hr:   63\n",
             #"[{"name":"Mark McGwire","hr":65},{"name":"Sammy Sosa","hr":63}]"#),
            ("2.5", "- [name        , hr, avg  ]\n- [Mark McGwire, 65, 0.278]\n",
             #"[["name","hr","avg"],["Mark McGwire",65,0.278]]"#),
            ("2.6", "Mark McGwire: {hr: 65, avg: 0.278}\nSammy Sosa: {\n    hr: 63,\n    avg: 0.288,\n }\n",
             #"{"Mark McGwire":{"hr":65,"avg":0.278},"Sammy Sosa":{"hr":63,"avg":0.288}}"#),
            ("2.9", "---\nhr: # 1998 hr ranking\n- Mark McGwire\n- Sammy Sosa\n# 1998 rbi ranking\nrbi:\n- Sammy Sosa\n- Ken Griffey\n",
             #"{"hr":["Mark McGwire","Sammy Sosa"],"rbi":["Sammy Sosa","Ken Griffey"]}"#),
            ("2.12", "---\n# Products purchased\n- item    : Super Hoop\n  quantity: 1\n- item    : Basketball\n  quantity: 4\n",
             #"[{"item":"Super Hoop","quantity":1},{"item":"Basketball","quantity":4}]"#),
        ]
        for (example, yaml, json) in cases {
            XCTAssertEqual(self.json(yaml), expected(json), "Example \(example)")
        }
    }

    func testChapter2Scalars() {
        XCTAssertEqual(json("# ASCII Art\n--- |\n  \\//||\\/||\n  // ||  ||__\n"), .string("\\//||\\/||\n// ||  ||__\n"), "Example 2.13")
        XCTAssertEqual(json("--- >\n  Mark McGwire's\n  year was crippled\n  by a knee injury.\n"),
                       .string("Mark McGwire's year was crippled by a knee injury.\n"), "Example 2.14")
        XCTAssertEqual(json(">\n Sammy Sosa completed another\n fine season with great stats.\n\n   63 Home Runs\n   0.288 Batting Average\n\n What a year!\n"),
                       .string("Sammy Sosa completed another fine season with great stats.\n\n  63 Home Runs\n  0.288 Batting Average\n\nWhat a year!\n"),
                       "Example 2.15")
        XCTAssertEqual(json("name: Mark McGwire\naccomplishment: >\n  Mark set a major league\n  home run record in 1998.\nstats: |\n  65 Home Runs\n  0.278 Batting Average\n"),
                       expected(#"{"name":"Mark McGwire","accomplishment":"Mark set a major league home run record in 1998.\n","stats":"65 Home Runs\n0.278 Batting Average\n"}"#),
                       "Example 2.16")
        XCTAssertEqual(json(#"""
            unicode: "Sosa did fine.\u263A"
            control: "\b1998\t1999\t2000\n"
            hex esc: "\x0d\x0a is \r\n"

            single: '"Howdy!" he cried.'
            quoted: ' # Not a ''comment''.'
            tie-fighter: '|\-*-/|'
            """#),
                       expected(#"{"unicode":"Sosa did fine.☺","control":"\b1998\t1999\t2000\n","hex esc":"\r\n is \r\n","single":"\"Howdy!\" he cried.","quoted":" # Not a 'comment'.","tie-fighter":"|\\-*-/|"}"#),
                       "Example 2.17")
        XCTAssertEqual(json("plain:\n  This unquoted scalar\n  spans many lines.\n\nquoted: \"So does this\n  quoted scalar.\\n\"\n"),
                       expected(#"{"plain":"This unquoted scalar spans many lines.","quoted":"So does this quoted scalar.\n"}"#),
                       "Example 2.18")
    }

    /// Examples 2.19-2.21 and §10.3.2: the core schema, and what stays a string.
    func testCoreSchemaResolvesPlainScalarsOnly() {
        let value = json("""
            canonical: 12345
            decimal: +12345
            octal: 0o14
            hexadecimal: 0xC
            float: 1.23015e+3
            fixed: 1230.15
            point: .5
            trailing point: 1.
            negative infinity: -.inf
            not a number: .nan
            null:
            tilde: ~
            booleans: [ true, False, TRUE ]
            string: '012345'
            leading zero: 0640
            yes: yes
            on: on
            not a number either: 1e3x
            underscores: 1_000
            quoted true: "true"
            block number: |-
              42
            """)
        XCTAssertEqual(value, expected(#"""
            {"canonical":12345,"decimal":12345,"octal":12,"hexadecimal":12,"float":1.23015e+3,"fixed":1230.15,
             "point":0.5,"trailing point":1,"negative infinity":"-.inf","not a number":".nan","null":null,"tilde":null,
             "booleans":[true,false,true],"string":"012345","leading zero":640,"yes":"yes","on":"on",
             "not a number either":"1e3x","underscores":"1_000","quoted true":"true","block number":"42"}
            """#))
    }

    func testBlockScalarIndicatorsAndChomping() {
        XCTAssertEqual(json("- |\n detected\n- >\n \n  \n  # detected\n- |1\n  explicit\n- >\n \t\n detected\n"),
                       expected(#"["detected\n","\n\n# detected\n"," explicit\n","\t\ndetected\n"]"#), "Example 8.2")
        XCTAssertEqual(json("strip: |-\n  text\nclip: |\n  text\nkeep: |+\n  text\n"),
                       expected(#"{"strip":"text","clip":"text\n","keep":"text\n"}"#), "Example 8.4")
        XCTAssertEqual(json(" # Strip\n  # Comments:\nstrip: |-\n  # text\n  \n # Clip\n  # comments:\n\nclip: |\n  # text\n \n # Keep\n  # comments:\n\nkeep: |+\n  # text\n\n # Trail\n  # comments.\n"),
                       expected(##"{"strip":"# text","clip":"# text\n","keep":"# text\n\n"}"##), "Example 8.5")
        XCTAssertEqual(json("strip: >-\n\nclip: >\n\nkeep: |+\n\n"), expected(#"{"strip":"","clip":"","keep":"\n"}"#), "Example 8.6")
        XCTAssertEqual(json("|\n literal\n \ttext\n\n"), .string("literal\n\ttext\n"), "Example 8.7")
        XCTAssertEqual(json("|\n \n  \n  literal\n   \n  \n  text\n\n # Comment\n"), .string("\n\nliteral\n \n\ntext\n"), "Example 8.8")
        XCTAssertEqual(json(">\n folded\n text\n\n"), .string("folded text\n"), "Example 8.9")
        XCTAssertEqual(json(">\n\n folded\n line\n\n next\n line\n   * bullet\n\n   * list\n   * lines\n\n last\n line\n\n# Comment\n"),
                       .string("\nfolded line\nnext line\n  * bullet\n\n  * list\n  * lines\n\nlast line\n"), "Example 8.10")
        XCTAssertEqual(json(">-\n  trimmed\n  \n \n\n  as\n  space\n"), .string("trimmed\n\n\nas space"), "Example 6.6")
        // Keep chomping keeps the empty lines before the next key; no final break at the end of the input.
        XCTAssertEqual(json("a: |+\n  x\n\n\nb: |\n  y"), expected(#"{"a":"x\n\n\n","b":"y"}"#))
        XCTAssertEqual(error("a: |\n    four\n  two\n")?.description, "line 3, column 3: bad indentation: expected a key at column 1, as the keys before")
    }

    func testFlowScalarsFoldAndEscape() {
        XCTAssertEqual(json("\"folded \nto a space,\t\n \nto a line feed, or \t\\\n \\ \tnon-content\"\n"),
                       .string("folded to a space,\nto a line feed, or \t \tnon-content"), "Example 7.5")
        XCTAssertEqual(json("' 1st non-empty\n\n 2nd non-empty \n\t3rd non-empty '\n"),
                       .string(" 1st non-empty\n2nd non-empty 3rd non-empty "), "Example 7.9")
        XCTAssertEqual(json("\"\n  foo \n \n  \t bar\n\n  baz\n\"\n"), .string(" foo\nbar\nbaz "), "Example 6.8")
        XCTAssertEqual(json(#"all: "\0\a\b\t\TAB\n\v\f\r\e\ \"\/\\\N\_\L\P\x41\u00e9\U0001F600""#.replacingOccurrences(of: "TAB", with: "\t")),
                       .object(["all": .string("\u{0}\u{7}\u{8}\t\t\n\u{B}\u{C}\r\u{1B} \"/\\\u{85}\u{A0}\u{2028}\u{2029}Aé😀")]),
                       "Example 5.13, every escape")
    }

    func testFlowCollections() {
        XCTAssertEqual(json("- [ one, two, ]\n- [three ,four]\n"), expected(#"[["one","two"],["three","four"]]"#), "Example 7.13")
        XCTAssertEqual(json("[\n\"double\n quoted\", 'single\n           quoted',\nplain\n text, [ nested ],\nsingle: pair,\n]\n"),
                       expected(#"["double quoted","single quoted","plain text",["nested"],{"single":"pair"}]"#), "Example 7.14")
        XCTAssertEqual(json("- { one : two , three: four , }\n- {five: six,seven : eight}\n"),
                       expected(#"[{"one":"two","three":"four"},{"five":"six","seven":"eight"}]"#), "Example 7.15")
        XCTAssertEqual(json(#"{"json": "like", "n":1, empty: , bare}"#), expected(#"{"json":"like","n":1,"empty":null,"bare":null}"#))
        XCTAssertEqual(json("  # Leading comment line spaces are\n   # neither content nor indentation.\n    \nNot indented:\n By one space: |\n    By four\n      spaces\n Flow style: [    # Leading spaces\n   By two,        # in flow style\n  Also by two,    # are neither\n  \tStill by two   # content nor\n    ]             # indentation.\n"),
                       expected(#"{"Not indented":{"By one space":"By four\n  spaces\n","Flow style":["By two","Also by two","Still by two"]}}"#),
                       "Example 6.1")
    }

    func testCompactAndNestedBlockCollections() {
        XCTAssertEqual(json("a:\n  - b\n  - c:\n      d: 1\n    e: [x, {y: z}]\n  -\n  - - p\n    - q\nf: end\n"),
                       expected(#"{"a":["b",{"c":{"d":1},"e":["x",{"y":"z"}]},null,["p","q"]],"f":"end"}"#))
        XCTAssertEqual(json("---\nempty:\n  # only a comment\nurl: http://x:80/y?q=1#frag\nnote: value # comment\nhash: a#b\n...\n"),
                       expected(#"{"empty":null,"url":"http://x:80/y?q=1#frag","note":"value","hash":"a#b"}"#))
        XCTAssertEqual(json(""), .null)
        XCTAssertEqual(json("# nothing but a comment\n"), .null)
        XCTAssertEqual(json("a: 1\r\nb: |\r\n  two\r\n  lines\r\n"), expected(#"{"a":1,"b":"two\nlines\n"}"#), "CRLF")
    }

    /// Every node keeps where it starts; scalars keep their text and style.
    func testPositionsAndStylesAreKept() throws {
        let root = try YAMLDocument.parse(Array("# c\nuin: 123\nmode: 0640\nlist:\n  - 'é'\n  - \"x\"\nblock: >\n  y\n".utf8))
        XCTAssertEqual(root["uin"]?.scalar, YAMLScalar("123", style: .plain, line: 2, column: 6))
        XCTAssertEqual(try root["uin"]?.string("uin"), "123")
        XCTAssertEqual(try root["mode"]?.string("mode"), "0640")
        let list = try XCTUnwrap(root["list"])
        XCTAssertEqual([list.line, list.column], [5, 3])
        XCTAssertEqual(list.sequence?.map(\.scalar?.style), [.singleQuoted, .doubleQuoted])
        XCTAssertEqual(list.sequence?.last.map { [$0.line, $0.column] }, [6, 5])
        XCTAssertEqual(root["block"]?.scalar?.style, .folded)
        XCTAssertEqual(root.mapping?.map(\.key.text), ["uin", "mode", "list", "block"])
        XCTAssertThrowsError(try list.string("list")) {
            XCTAssertEqual("\($0)", "line 5, column 3: list: expected a string, got a sequence")
        }
        XCTAssertThrowsError(try root["uin"]?.bool("uin")) {
            XCTAssertEqual("\($0)", "line 2, column 6: uin: expected a boolean (true or false), got \"123\"")
        }
        // Columns count characters, not bytes.
        XCTAssertEqual(error("ключ: [1, 2\n")?.description, "line 1, column 7: ключ: unterminated flow collection: expected ']'")
    }

    // MARK: What is refused

    func testUnsupportedFeaturesAreRefusedByName() {
        let cases: [(String, String)] = [
            ("base: &b {a: 1}\n", "line 1, column 7: base: anchors (&name) are not supported: write the value out"),
            ("a: *b\n", "line 1, column 4: a: aliases (*name) are not supported: write the value out"),
            ("a: !!str 1\n", "line 1, column 4: a: tags (!name, !!type) are not supported: write the value without a tag"),
            ("- !local x\n", "line 1, column 3: [0]: tags (!name, !!type) are not supported: write the value without a tag"),
            ("<<: {a: 1}\n", "line 1, column 1: merge keys (<<) are not supported"),
            ("? complex\n: value\n", "line 1, column 1: complex keys ('? ') are not supported"),
            ("[a, b]: c\n", "line 1, column 1: complex keys (a collection as a key) are not supported"),
            ("%YAML 1.2\n---\na: 1\n", "line 1, column 1: directives (%YAML, %TAG) are not supported"),
            ("a: 1\n---\nb: 2\n", "line 2, column 1: a second document: one file holds one document"),
            ("a: 1\n...\n---\nb: 2\n", "line 3, column 1: a second document: one file holds one document"),
            ("a: 1\nb: 2\na: 3\n", "line 3, column 1: duplicate key \"a\""),
            ("x:\n  {a: 1, a: 2}\n", "line 2, column 10: x: duplicate key \"a\""),
            ("a:\n\tb: 1\n", "line 2, column 1: a: a tab character in the indentation (YAML indents with spaces)"),
            ("a: b: c\n", "line 1, column 5: a: mapping values are not allowed here (quote a value that contains ': ')"),
            ("a: 1\n  b: 2\n", "line 2, column 4: a: mapping values are not allowed here (quote a value that contains ': ')"),
            ("a:\n    b: 1\n  c: 2\n", "line 3, column 3: bad indentation: expected a key at column 1, as the keys before"),
            ("- a\n  - b\n- c\n  d: e\n", "line 4, column 4: [1]: mapping values are not allowed here (quote a value that contains ': ')"),
            ("a: - b\n", "line 1, column 4: a: a sequence cannot start on the line of its key: put its '- ' entries on the lines below"),
            ("a: 'open\n", "line 1, column 4: a: unterminated single-quoted scalar"),
            ("a: \"\\q\"\n", "line 1, column 5: a: unknown escape '\\q' in a double-quoted scalar"),
            ("a: \"\\uD800\"\n", "line 1, column 5: a: escape '\\uD800' is not a Unicode character"),
            ("a: [1, 2\n", "line 1, column 4: a: unterminated flow collection: expected ']'"),
            ("a: [\"1\" 2]\n", "line 1, column 9: a: expected ',' or ']'"),
            ("a: {b: 1]\n", "line 1, column 9: a: expected ',' or '}'"),
            ("a: |x\n  b\n", "line 1, column 5: a: expected an indentation indicator (1-9), a chomping indicator (+ or -), a comment or the end of the line after '|'"),
            ("a: @b\n", "line 1, column 4: a: '@' cannot start a plain scalar: quote the value"),
            ("\"a\nb\": 1\n", "line 1, column 1: a key must be on one line"),
            ("a: \"x\n---\ny\"\n", "line 2, column 1: a: a document marker inside a quoted scalar"),
            ("a: 1\nb\n", "line 2, column 1: expected a mapping key ('key: value')"),
            ("a: \u{1}\n", "line 1, column 4: character U+0001 is not allowed in YAML (quote it as an escape)"),
        ]
        for (yaml, message) in cases {
            XCTAssertEqual(error(yaml)?.description, message, yaml)
        }
        var invalid = Array("a: b".utf8)
        invalid.append(0xFF)
        XCTAssertThrowsError(try YAMLDocument.parse(invalid)) { XCTAssertEqual("\($0)", "line 1, column 5: not valid UTF-8") }
    }

    // MARK: Hostile inputs

    func testNestingIsLimitedAndLargeInputsStayLinear() {
        let deepFlow = String(repeating: "[", count: 100_000)
        XCTAssertEqual(error(deepFlow)?.message, "nested deeper than 64 levels")
        var deepBlock = ""
        for level in 0..<200 { deepBlock += String(repeating: " ", count: level) + "k:\n" }
        XCTAssertEqual(error(deepBlock)?.message, "nested deeper than 64 levels")
        let deepSequence = String(repeating: "- ", count: 1000) + "x\n"
        XCTAssertEqual(error(deepSequence)?.message, "nested deeper than 64 levels")
        // 64 levels are fine.
        XCTAssertNotNil(json(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)))

        // Half a megabyte on one line, and many lines: read in one pass.
        let wide = "[" + Array(repeating: "abc", count: 100_000).joined(separator: ",") + "]"
        XCTAssertEqual(json(wide)?.text.count, wide.count + 2 * 100_000)
        let manyCollections = "[" + Array(repeating: "[{}]", count: 50_000).joined(separator: ",") + "]"
        XCTAssertEqual(json(manyCollections)?.text, manyCollections)
        let tall = (0..<50_000).map { "key\($0): \"value \($0)\"" }.joined(separator: "\n")
        XCTAssertEqual(json(tall)?.object?.count, 50_000)
        let longBlock = "a: |\n" + String(repeating: "  line\n", count: 100_000)
        XCTAssertEqual(json(longBlock)?["a"]?.string?.count, 500_000)
        XCTAssertEqual(error(String(repeating: "'", count: 9))?.message, "unterminated single-quoted scalar")
    }

    // MARK: Files this ecosystem writes

    /// The shape of exporter-toolkit's docs/web-config.yml
    /// (https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-config.yml).
    func testExporterToolkitSampleWebConfig() throws {
        let root = try YAMLDocument.parse(Array("""
            # TLS and basic authentication configuration example.
            #
            # Additionally, a certificate and a key file are needed.
            tls_server_config:
              cert_file: server.crt
              key_file: server.key

            # Usernames and passwords required to connect.
            # Passwords are hashed with bcrypt: https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md#about-bcrypt.
            basic_auth_users:
              alice: $2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze
              bob: $2y$10$hLqFl9jSjoAAy95Z/zw8Ye8wkdMBM8c5Bn1ptYqP/AXyV0.oy0S8m

            """.utf8))
        XCTAssertEqual(try root["tls_server_config"]?["cert_file"]?.string("cert_file"), "server.crt")
        XCTAssertEqual(root["basic_auth_users"]?.mapping?.map(\.key.text), ["alice", "bob"])
        XCTAssertEqual(try root["basic_auth_users"]?["bob"]?.string("bob"), "$2y$10$hLqFl9jSjoAAy95Z/zw8Ye8wkdMBM8c5Bn1ptYqP/AXyV0.oy0S8m")
    }

    /// The README's configuration example, written as YAML, is the same
    /// configuration for the existing loader (through `jsonValue`); `uin`
    /// written without quotes is a number there, and its text as a string.
    func testReadmeConfigurationAsYAML() throws {
        let yaml = """
            refresh_interval: 60s
            max_stale: 10m
            providers:
              tencentcloud: {requests_per_second: 10, max_concurrency: 4}
            accounts:
              - name: prod-intl
                provider: tencentcloud
                endpoint: https://billing.intl.tencentcloudapi.com
                uin: "600000561284"
                currency: USD
                temp_credit: true
                secret_id_env: PROD_SECRET_ID
                secret_key_file: /run/secrets/prod_key
                refresh_interval: 5m
              - name: partner
                provider: yeastar
                endpoint: https://openapi.partner.yeastar.com
                client_id: 0123abcd
                client_secret_env: YEASTAR_CLIENT_SECRET
            """
        let readmeJSON = """
            {
              "refresh_interval": "60s",
              "max_stale": "10m",
              "providers": { "tencentcloud": { "requests_per_second": 10, "max_concurrency": 4 } },
              "accounts": [
                { "name": "prod-intl", "provider": "tencentcloud",
                  "endpoint": "https://billing.intl.tencentcloudapi.com",
                  "uin": "600000561284", "currency": "USD", "temp_credit": true,
                  "secret_id_env": "PROD_SECRET_ID", "secret_key_file": "/run/secrets/prod_key",
                  "refresh_interval": "5m" },
                { "name": "partner", "provider": "yeastar",
                  "endpoint": "https://openapi.partner.yeastar.com",
                  "client_id": "0123abcd", "client_secret_env": "YEASTAR_CLIENT_SECRET" }
              ]
            }
            """
        let root = try YAMLDocument.parse(Array(yaml.utf8))
        XCTAssertEqual(root.jsonValue, expected(readmeJSON))
        let unquoted = try YAMLDocument.parse(Array(yaml.replacingOccurrences(of: "\"600000561284\"", with: "600000561284").utf8))
        XCTAssertEqual(unquoted["accounts"]?.sequence?.first?["uin"]?.jsonValue, .number(JSONNumber(600000561284 as Int64)))
        XCTAssertEqual(try unquoted["accounts"]?.sequence?.first?["uin"]?.string("accounts[0].uin"), "600000561284")
    }
}
