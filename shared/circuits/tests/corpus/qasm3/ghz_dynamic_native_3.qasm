OPENQASM 3.0;
include "stdgates.inc";
bit[3] final_measurement;
bit[1] mid_measurement;
qubit[3] q;
rz(pi/2) q[0];
sx q[0];
rz(pi/2) q[0];
cx q[0], q[1];
rz(-pi/2) q[1];
sx q[1];
rz(pi/2) q[2];
sx q[2];
rz(-0.047571617674076805) q[2];
sx q[2];
rz(-pi/2) q[2];
cx q[1], q[2];
sx q[1];
rz(-pi/2) q[1];
rz(-pi/2) q[2];
sx q[2];
rz(1.6183679444689716) q[2];
mid_measurement[0] = measure q[1];
if (mid_measurement[0]) {
  x q[1];
}
cx q[0], q[1];
final_measurement[0] = measure q[0];
final_measurement[1] = measure q[1];
if (mid_measurement[0] == true) {
  x q[2];
}
final_measurement[2] = measure q[2];
