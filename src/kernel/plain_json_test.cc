#include "kernel/plain_json.h"

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace swingset {
namespace {

Json parse(std::string_view text) {
  std::optional<Json> j = parseJson(text);
  EXPECT_TRUE(j) << text;
  return j ? *j : Json();
}

std::string encode(std::string_view plainJson) {
  EncodedPlain e = encodePlainArgs(parse(plainJson));
  EXPECT_TRUE(e.capdata) << e.error;
  EXPECT_EQ(e.error, "");
  return e.capdata.value_or("");
}

Json decode(std::string_view capdata) {
  DecodedPlain d = decodeToPlain(capdata);
  EXPECT_TRUE(d.value) << d.error;
  EXPECT_EQ(d.error, "");
  return d.value.value_or(Json());
}

// A capdata text with `body` (without the '#') and `slots`.
std::string cap(const std::string& body, const std::string& slots = "[]") {
  return R"({"body":)" + quoteJson("#" + body) + R"(,"slots":)" + slots + "}";
}

std::string decodeError(std::string_view capdata) {
  DecodedPlain d = decodeToPlain(capdata);
  EXPECT_FALSE(d.value) << toJson(*d.value);
  return d.error;
}

// Expected texts below were printed by @endo/marshal's makeMarshal().toCapData (smallcaps) in
// js/node_modules for JSON.parse of the same input.
TEST(EncodePlainTest, MessageArgs) {
  EXPECT_EQ(encode(R"(["increment",[]])"), R"({"body":"#[\"increment\",[]]","slots":[]})");
  EXPECT_EQ(encode(R"([null,true,false,{"x":[{"y":"!"}]}])"),
            R"({"body":"#[null,true,false,{\"x\":[{\"y\":\"!!\"}]}]","slots":[]})");
}

TEST(EncodePlainTest, SpecialStringsGetABang) {
  EXPECT_EQ(
      encode(
          R"x(["!bang","#hash","$d","%p","&x","'q","(",")","*","+1","-1",",","-","plain","",".dot"])x"),
      R"x({"body":"#[\"!!bang\",\"!#hash\",\"!$d\",\"!%p\",\"!&x\",\"!'q\",\"!(\",\"!)\",\"!*\",\"!+1\",\"!-1\",\"!,\",\"!-\",\"plain\",\"\",\".dot\"]","slots":[]})x");
}

TEST(EncodePlainTest, RecordKeysInJsOrder) {
  // Sorted by UTF-16 code units (so U+1F600 before U+FF01); array-index keys first, numerically.
  EXPECT_EQ(
      encode(R"([{"b":1,"a":2,"10":3,"9":4,"!k":5,"#k":6,"01":7,"\uff01":8,"\ud83d\ude00":9}])"),
      "{\"body\":\"#[{\\\"9\\\":4,\\\"10\\\":3,\\\"!!k\\\":5,\\\"!#k\\\":6,\\\"01\\\":7,"
      "\\\"a\\\":2,\\\"b\\\":1,\\\"\xF0\x9F\x98\x80\\\":9,\\\"\xEF\xBC\x81\\\":8}]\","
      "\"slots\":[]}");
}

TEST(EncodePlainTest, NumbersAsJsPrintsThem) {
  EXPECT_EQ(
      encode("[1.5,-0.0,1e21,1e-7,123456789012345680000,0.000001,1.7976931348623157e308,5e-324,"
             "12345678901234567890,100,0.1,-2.5e-10,1e20]"),
      R"({"body":"#[1.5,0,1e+21,1e-7,123456789012345680000,0.000001,1.7976931348623157e+308,5e-324,12345678901234567000,100,0.1,-2.5e-10,100000000000000000000]","slots":[]})");
  EXPECT_EQ(jsNumberString(-1e-7), "-1e-7");
  EXPECT_EQ(jsNumberString(123e-20), "1.23e-18");
  EXPECT_EQ(jsNumberString(-42), "-42");
  EXPECT_EQ(jsNumberString(1.0), "1");
}

TEST(EncodePlainTest, RejectsWhatJsonCannotCarry) {
  EncodedPlain e = encodePlainArgs(Json::array({1, std::numeric_limits<double>::infinity()}));
  EXPECT_FALSE(e.capdata);
  EXPECT_NE(e.error.find("not finite"), std::string::npos) << e.error;
  e = encodePlainArgs(Json::array({std::nan("")}));
  EXPECT_FALSE(e.capdata);
  e = encodePlainArgs(Json::binary({1, 2}));
  EXPECT_FALSE(e.capdata);
  e = encodePlainArgs(parse(R"({"a":1})"));
  EXPECT_FALSE(e.capdata);
  EXPECT_NE(e.error.find("array"), std::string::npos) << e.error;
  EXPECT_TRUE(encodePlain(parse(R"({"a":1})")).capdata);  // any value, without the Args check
}

TEST(EncodePlainTest, RejectsDeepNesting) {
  std::string deep = std::string(kMaxPlainDepth + 5, '[') + std::string(kMaxPlainDepth + 5, ']');
  EncodedPlain e = encodePlainArgs(parse(deep));
  EXPECT_FALSE(e.capdata);
  EXPECT_NE(e.error.find("deeper"), std::string::npos);
}

// From @agoric/kmarshal's kser of [r, r, p, 12n, -5n, undefined, NaN, Infinity, -Infinity,
// Symbol.asyncIterator, Symbol.for('foo'), makeTagged('copySet', ['a']), Error('oops'),
// TypeError('bad'), '!x', {'%k': 1}] with r = kslot('ko12', 'X'), p = kslot('kp40').
TEST(DecodeToPlainTest, EveryTagFromKser) {
  Json got = decode(
      R"({"body":"#[\"$0.Alleged: X\",\"$0\",\"&1\",\"+12\",\"-5\",\"#undefined\",\"#NaN\",\"#Infinity\",\"#-Infinity\",\"%@@asyncIterator\",\"%foo\",{\"#tag\":\"copySet\",\"payload\":[\"a\"]},{\"#error\":\"oops\",\"name\":\"Error\"},{\"#error\":\"bad\",\"name\":\"TypeError\"},\"!!x\",{\"!%k\":1}]","slots":["ko12","kp40"]})");
  Json want = parse(R"([
    {"@remotable":"Alleged: X","kref":"ko12"},
    {"@remotable":"Alleged: X","kref":"ko12"},
    {"@promise":"kp40"},
    {"@bigint":"12"},
    {"@bigint":"-5"},
    {"@undefined":true},
    {"@NaN":true},
    {"@Infinity":true},
    {"@-Infinity":true},
    {"@symbol":"@@asyncIterator"},
    {"@symbol":"foo"},
    {"@tagged":"copySet","payload":["a"]},
    {"@error":{"name":"Error","message":"oops"}},
    {"@error":{"name":"TypeError","message":"bad"}},
    "!x",
    {"%k":1}
  ])");
  EXPECT_EQ(got, want) << toJson(got);
}

TEST(DecodeToPlainTest, BangStringsLoseTheirBang) {
  EXPECT_EQ(decode(cap(R"(["!x","!!","!#undefined","plain",""])")),
            parse(R"(["x","!","#undefined","plain",""])"));
}

TEST(DecodeToPlainTest, Bigints) {
  EXPECT_EQ(decode(cap(R"("+0")")), parse(R"({"@bigint":"0"})"));
  EXPECT_EQ(decode(cap(R"("-0")")), parse(R"({"@bigint":"0"})"));
  EXPECT_EQ(decode(cap(R"("+007")")), parse(R"({"@bigint":"7"})"));
  EXPECT_EQ(decode(cap(R"("+123456789012345678901234567890")")),
            parse(R"({"@bigint":"123456789012345678901234567890"})"));
  EXPECT_NE(decodeError(cap(R"("+")")).find("bigint"), std::string::npos);
  EXPECT_NE(decodeError(cap(R"("-1x")")).find("bigint"), std::string::npos);
}

TEST(DecodeToPlainTest, RemotableInterfaceComesFromItsFirstMention) {
  // The bare $0 comes first here; its interface is still found.
  EXPECT_EQ(decode(cap(R"(["$0",{"a":"$0.Alleged: Y"},"$1"])", R"(["ko7","ko8"])")),
            parse(R"([{"@remotable":"Alleged: Y","kref":"ko7"},{"a":{"@remotable":"Alleged: Y",
                      "kref":"ko7"}},{"@remotable":null,"kref":"ko8"}])"));
  // An interface may itself contain dots.
  EXPECT_EQ(decode(cap(R"("$0.Alleged: a.b")", R"(["ko9"])")),
            parse(R"({"@remotable":"Alleged: a.b","kref":"ko9"})"));
}

TEST(DecodeToPlainTest, ErrorsKeepTheirExtras) {
  EXPECT_EQ(decode(cap(R"({"#error":"!#x","name":"RangeError","errorId":"error:v1#1"})")),
            parse(R"({"@error":{"name":"RangeError","message":"#x","errorId":"error:v1#1"}})"));
  EXPECT_EQ(decode(cap(R"({"#error":"vat terminated","name":"Error"})")),
            parse(R"({"@error":{"name":"Error","message":"vat terminated"}})"));
}

TEST(DecodeToPlainTest, TaggedPayloadIsDecoded) {
  EXPECT_EQ(decode(cap(R"({"#tag":"copyBag","payload":[["+1","&0"]]})", R"(["kp1"])")),
            parse(R"({"@tagged":"copyBag","payload":[[{"@bigint":"1"},{"@promise":"kp1"}]]})"));
}

TEST(DecodeToPlainTest, MalformedCapdata) {
  EXPECT_NE(decodeError("nope").find("not JSON"), std::string::npos);
  EXPECT_NE(decodeError("[]").find("object"), std::string::npos);
  EXPECT_NE(decodeError(R"({"slots":[]})").find("body"), std::string::npos);
  EXPECT_NE(decodeError(R"({"body":"#1"})").find("slots"), std::string::npos);
  EXPECT_NE(decodeError(R"({"body":"#1","slots":[3]})").find("slots"), std::string::npos);
  EXPECT_NE(decodeError(R"({"body":"[1]","slots":[]})").find("legacy"), std::string::npos);
  EXPECT_NE(decodeError(R"({"body":"#[1","slots":[]})").find("not JSON"), std::string::npos);
}

TEST(DecodeToPlainTest, MalformedBodies) {
  auto expectError = [](const std::string& capdata, const std::string& want) {
    std::string err = decodeError(capdata);
    EXPECT_NE(err.find(want), std::string::npos) << capdata << " gave '" << err << "'";
  };
  expectError(cap(R"("#nothing")"), "unknown constant");
  expectError(cap(R"("'q")"), "reserved");
  expectError(cap(R"("*")"), "reserved");
  expectError(cap(R"("$0")"), "slot index");  // no slots at all
  expectError(cap(R"("$1.X")", R"(["ko1"])"), "slot index");
  expectError(cap(R"("$")", R"(["ko1"])"), "slot index");
  expectError(cap(R"("&01")", R"(["kp1","kp2"])"), "slot index");
  expectError(cap(R"(["$0.X","&0"])", R"(["ko1"])"), "both");
  expectError(cap(R"({"#tag":"t"})"), "payload");
  expectError(cap(R"({"#tag":"t","payload":1,"x":2})"), "unexpected key");
  expectError(cap(R"({"#tag":5,"payload":1})"), "#tag must be a string");
  expectError(cap(R"({"#tag":"+1","payload":1})"), "#tag must be a string");
  expectError(cap(R"({"#error":"m"})"), "no name");
  expectError(cap(R"({"#error":"m","name":"E","message":"x"})"), "message");
  expectError(cap(R"({"#error":3,"name":"E"})"), "error message");
  expectError(cap(R"({"#other":1})"), "unknown record type");
  expectError(cap(R"({"%sym":1})"), "record key");
  expectError(cap(R"({"ok":["+x"]})"), "bigint");  // found deep inside
  std::string deep = std::string(kMaxPlainDepth + 5, '[') + std::string(kMaxPlainDepth + 5, ']');
  expectError(cap(deep), "deeper");
}

TEST(PlainJsonRoundTrip, PlainValuesSurvive) {
  for (const char* text : {
           R"(["increment",[]])",
           R"x(["!a","#b","$c","%d","&e","+1","-2",",","'","(",")","*","\"q","",".x"])x",
           R"([{"z":{"!k":["#undefined"],"10":1,"2":2},"a":null}])",
           R"([0,1.5,-3,1e300,1e-300,true,false,null,[],{}])",
           R"(["\u0000\u001f\u00e9\ud83d\ude00"])",
       }) {
    Json plain = parse(text);
    Json back = decode(encode(text));
    // Key order is JS's after the trip; compare as sorted documents.
    EXPECT_EQ(nlohmann::json(back), nlohmann::json(plain))
        << text << " came back as " << toJson(back);
  }
}

TEST(PlainJsonRoundTrip, PlainCapdataSurvives) {
  for (const std::string& c :
       {cap(R"(["!!x",{"!#k":"!%v","a":[1,0.5]},null])"), cap(R"({"9":4,"10":3,"a":2})")}) {
    EncodedPlain again = encodePlain(decode(c));
    ASSERT_TRUE(again.capdata) << again.error;
    EXPECT_EQ(*again.capdata, c);
  }
}

}  // namespace
}  // namespace swingset
