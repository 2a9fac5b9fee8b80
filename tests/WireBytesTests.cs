using System.Text;
using System.Text.Json.Serialization.Metadata;
using AcWs.Commands;

namespace AcWs.Tests;

/// <summary>
/// The exact bytes of replies and pushes. WireJson is generated for writing only, so each frame must come out of the
/// generated writers (or the hand-written envelope) byte for byte as before, quotes and accents unescaped.
/// </summary>
public class WireBytesTests
{
    static string Text(byte[] utf8) => Encoding.UTF8.GetString(utf8);

    [Test]
    public async Task An_error_keeps_quotes_accents_and_brackets_as_they_are()
    {
        var bytes = Reply.Fail("unknown command 'server infp' — \"Café\" <b>&").ToUtf8();
        await Assert.That(Text(bytes)).IsEqualTo("{\"error\":{\"msg\":\"unknown command 'server infp' — \\\"Café\\\" <b>&\"}}");
    }

    [Test]
    public async Task Data_is_written_by_its_run_time_type_with_snake_case_keys_and_nulls_left_out()
    {
        var bytes = Reply.Ok(new GridData("done", new() { ["1"] = "Zoë" })).ToUtf8();
        await Assert.That(Text(bytes)).IsEqualTo("{\"data\":{\"msg\":\"done\",\"grid\":{\"1\":\"Zoë\"}}}");
    }

    [Test]
    public async Task A_reply_with_a_further_step_says_more_after_its_data()
    {
        var bytes = (Reply.Msg("stopping") with { Then = Reply.Msg("started") }).ToUtf8();
        await Assert.That(Text(bytes)).IsEqualTo("{\"data\":{\"msg\":\"stopping\"},\"more\":true}");
    }

    [Test]
    public async Task Pushed_copies_carry_the_marker_and_topic()
    {
        await Assert.That(Text(Reply.Msg("l'été").ToEventUtf8("server"))).IsEqualTo("{\"data\":{\"msg\":\"l'été\",\"event\":true,\"topic\":\"server\"}}");
        await Assert.That(Text(Reply.Fail("no").ToEventUtf8("grid"))).IsEqualTo("{\"error\":{\"msg\":\"no\",\"event\":true,\"topic\":\"grid\"}}");
        await Assert.That(Text(Reply.Event("lap", new MsgData("<ok>"), underEvent: true)))
            .IsEqualTo("{\"data\":{\"lap\":{\"event\":{\"msg\":\"<ok>\"}},\"event\":true,\"topic\":\"lap\"}}");
    }

    [Test]
    public async Task A_write_that_throws_leaves_the_next_reply_whole()
    {
        await Assert.That(() => WireJson.ToUtf8(w => { w.WriteStartObject(); w.WriteString("half", "written"); throw new InvalidOperationException("boom"); }))
            .Throws<InvalidOperationException>();
        await Assert.That(Text(Reply.Msg("next").ToUtf8())).IsEqualTo("{\"data\":{\"msg\":\"next\"}}");
    }

    [Test]
    public async Task A_write_nested_in_another_does_not_mix_with_it()
    {
        var bytes = WireJson.ToUtf8(w =>
        {
            w.WriteStartObject();
            w.WriteString("outer", Text(Reply.Msg("inner").ToUtf8()));
            w.WriteEndObject();
        });
        await Assert.That(Text(bytes)).IsEqualTo("{\"outer\":\"{\\\"data\\\":{\\\"msg\\\":\\\"inner\\\"}}\"}");
    }

    /// <summary>Each reply allocated a buffer, its regrowths and a JSON writer; now its bytes and a closure.</summary>
    [Test]
    public async Task A_reply_allocates_little_more_than_its_bytes()
    {
        var reply = Reply.Ok(new GridData("done", new() { ["1"] = "Zoë", ["2"] = "Ana", ["3"] = "Bo" }));
        int length = reply.ToUtf8().Length;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) reply.ToUtf8();
        long perReply = (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
        await Assert.That(perReply).IsLessThanOrEqualTo(length + 160);
    }

    /// <summary>
    /// Without metadata STJ can only run a generated writer, and the generator writes none for a type with a property
    /// typed object (or a custom converter): such a wire type would fail only when first sent.
    /// </summary>
    [Test]
    [MethodDataSource(typeof(WireContextTests), nameof(WireContextTests.WireTypes))]
    public async Task Each_wire_type_has_a_generated_writer(string name)
    {
        var info = WireJson.Default.GetTypeInfo(typeof(IWireData).Assembly.GetType(name)!)!;
        var handler = typeof(JsonTypeInfo<>).MakeGenericType(info.Type).GetProperty("SerializeHandler")!.GetValue(info);
        await Assert.That(handler).IsNotNull();
    }
}
