using Vigil.Kafka;

namespace Vigil.Storage.Tests.Kafka;

public sealed class OutboxFrameTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(long.MaxValue)]
    public void A_frame_gives_back_its_seq_and_envelope(long seq)
    {
        var envelope = "{\"id\":\"m1\"}"u8.ToArray();

        var frame = OutboxFrame.Encode(seq, envelope);

        OutboxFrame.TryDecode(frame, out var decodedSeq, out var decodedEnvelope).ShouldBeTrue();
        decodedSeq.ShouldBe(seq);
        decodedEnvelope.ToArray().ShouldBe(envelope);
    }

    [Fact]
    public void The_seq_is_big_endian_after_the_magic_byte_and_version()
    {
        OutboxFrame.Encode(0x0102030405060708, []).ShouldBe([OutboxFrame.Magic, OutboxFrame.Version, 1, 2, 3, 4, 5, 6, 7, 8]);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x7B, 0x7D })]
    [InlineData(new byte[] { OutboxFrame.Magic, 2, 0, 0, 0, 0, 0, 0, 0, 1 })]
    [InlineData(new byte[] { OutboxFrame.Magic, OutboxFrame.Version, 0, 0 })]
    public void A_value_Vigil_did_not_frame_is_not_taken_for_one(byte[] value) =>
        OutboxFrame.TryDecode(value, out _, out _).ShouldBeFalse();
}
