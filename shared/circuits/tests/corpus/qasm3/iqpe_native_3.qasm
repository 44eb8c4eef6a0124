OPENQASM 3.0;
include "stdgates.inc";
bit[2] c;
qubit[1] q;
qubit[1] psi;
rz(pi/4) psi[0];
sx psi[0];
rz(pi/2) psi[0];
c[1] = measure q[0];
if (c[1]) {
  x q[0];
}
rz(-pi/2) q[0];
sx q[0];
rz(2.526112944919406) q[0];
cx q[0], psi[0];
x q[0];
rz(-2.1862760354652835) q[0];
if (c[1]) {
  rz(-pi/2) q[0];
}
rz(pi/2) q[0];
sx q[0];
rz(pi/2) q[0];
c[0] = measure q[0];
if (c[0]) {
  x q[0];
}
rz(-pi/2) psi[0];
sx psi[0];
rz(-3*pi/4) psi[0];
