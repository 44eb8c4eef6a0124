OPENQASM 3.0;
include "stdgates.inc";
bit[3] meas;
qubit[3] q;
rz(pi/2) q[2];
sx q[2];
rz(pi/2) q[2];
meas[0] = measure q[2];
if (meas[0]) {
  rz(pi/2) q[1];
}
if (meas[0]) {
  rz(pi/4) q[0];
}
rz(pi/2) q[1];
sx q[1];
rz(pi/2) q[1];
meas[1] = measure q[1];
if (meas[1]) {
  rz(pi/2) q[0];
}
rz(pi/2) q[0];
sx q[0];
rz(pi/2) q[0];
meas[2] = measure q[0];
