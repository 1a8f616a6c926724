using System.Net;
using Vigil.Storage.Audit;

namespace Vigil.Audit;

/// <summary>
/// The audit entry of one HL7 message from a known sender: the actor is the sender (<c>hl7:MSH-3/MSH-4</c>, role
/// <c>hl7-sender</c>), the outcome its ACK's code (AA, AE, AR), the patient the message's PID names when it names one.
/// </summary>
public static class Hl7Audit
{
    public const string Route = "MLLP ORU^R01";

    public static AuditEntry Entry(
        string customerId, string application, string facility, IPAddress remote, DateTimeOffset at, string? patientId, string ackCode) =>
        new(at, customerId, $"hl7:{application}/{facility}", "hl7-sender", "hl7", "create", "MLLP", Route, "readings", null, patientId,
            ackCode, remote.ToString());

    /// <summary>MSA-1 of an ACK the intake built (AA, AE or AR).</summary>
    public static string AckCode(string ack)
    {
        var msa = ack.IndexOf("\rMSA", StringComparison.Ordinal);
        return msa < 0 || ack.Length < msa + 7 ? "" : ack.Substring(msa + 5, 2);
    }
}
