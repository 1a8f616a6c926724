using System.Text;
using Vigil.Kafka;

namespace Vigil.Storage.Tests.Kafka;

public sealed class OutboxFrameTests
{
    [Theory]
    [InlineData(0L, 0)]
    [InlineData(1L, 7)]
    [InlineData(long.MaxValue, int.MaxValue)]
    public void A_frame_gives_back_its_seq_index_and_envelope(long seq, int index)
    {
        var envelope = "{\"id\":\"m1\"}"u8.ToArray();

        var frame = OutboxFrame.Encode(seq, index, envelope);

        OutboxFrame.TryDecode(frame, out var decodedSeq, out var decodedIndex, out var decodedEnvelope).ShouldBeTrue();
        decodedSeq.ShouldBe(seq);
        decodedIndex.ShouldBe(index);
        decodedEnvelope.ToArray().ShouldBe(envelope);
    }

    [Fact]
    public void The_seq_and_index_are_big_endian_after_the_magic_byte_and_version()
    {
        OutboxFrame.Encode(0x0102030405060708, 0x090A0B0C, []).ShouldBe(
            [OutboxFrame.Magic, OutboxFrame.Version, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    }

    [Fact]
    public void A_version_1_frame_reads_as_index_0()
    {
        byte[] frame = [OutboxFrame.Magic, 1, 0, 0, 0, 0, 0, 0, 0, 5, 0x7B, 0x7D];

        OutboxFrame.TryDecode(frame, out var seq, out var index, out var envelope).ShouldBeTrue();

        (seq, index, Encoding.UTF8.GetString(envelope)).ShouldBe((5L, 0, "{}"));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x7B, 0x7D })]
    [InlineData(new byte[] { OutboxFrame.Magic, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 })]
    [InlineData(new byte[] { OutboxFrame.Magic, OutboxFrame.Version, 0, 0 })]
    [InlineData(new byte[] { OutboxFrame.Magic, OutboxFrame.Version, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 })]
    [InlineData(new byte[] { OutboxFrame.Magic, OutboxFrame.Version, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF })]
    public void A_value_Vigil_did_not_frame_is_not_taken_for_one(byte[] value) =>
        OutboxFrame.TryDecode(value, out _, out _, out _).ShouldBeFalse();

    [Fact]
    public void Packed_messages_unpack_in_order_with_their_keys()
    {
        (string, byte[])[] messages = [("patient-1", [1, 2, 3]), ("pätient-2", []), ("", [9])];

        var unpacked = OutboxFrame.Unpack(OutboxFrame.Pack(messages));

        unpacked.Select(m => $"{m.Key}:{Convert.ToHexString(m.Value.Span)}").ShouldBe(["patient-1:010203", "pätient-2:", ":09"]);
    }

    [Fact]
    public void A_row_cut_short_is_refused_not_misread()
    {
        var packed = OutboxFrame.Pack([("p", [1, 2, 3])]);

        Should.Throw<InvalidDataException>(() => OutboxFrame.Unpack(packed.AsMemory(0, packed.Length - 1)));
    }

    [Fact]
    public void The_packed_form_is_what_the_migration_writes_for_a_row_of_one_message()
    {
        // V011 turns a waiting row (key, payload) into int4send(key length) || key || int4send(payload length) || payload.
        OutboxFrame.Pack([("pé", [0xAB])]).ShouldBe([0, 0, 0, 3, (byte)'p', 0xC3, 0xA9, 0, 0, 0, 1, 0xAB]);
    }
}
