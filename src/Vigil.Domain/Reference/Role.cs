namespace Vigil.Domain.Reference;

/// <summary>What a caller may do. Devices only send data; viewers only read; clinicians read and send; admins manage.</summary>
public static class Role
{
    public const string Admin = "admin";
    public const string Clinician = "clinician";
    public const string Viewer = "viewer";
    public const string Device = "device";

    public static readonly IReadOnlyList<string> All = [Admin, Clinician, Viewer, Device];
}
