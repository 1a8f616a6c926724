namespace Vigil.Storage.Reference;

/// <summary>The fields of a patient a client sets (create and full replace).</summary>
public sealed record PatientFields(string? DepartmentId, string? Mrn, string Name, string? BirthDate, int Spo2Scale, string Status);

/// <summary>The fields of a device a client sets (create and full replace).</summary>
public sealed record DeviceFields(string Serial, string Type, string? PatientId);
