OPENQASM 3.0;
include "stdgates.inc";
gate qft _gate_q_0, _gate_q_1, _gate_q_2 {
  h _gate_q_2;
  cp(pi/2) _gate_q_2, _gate_q_1;
  cp(pi/4) _gate_q_2, _gate_q_0;
  h _gate_q_1;
  cp(pi/2) _gate_q_1, _gate_q_0;
  h _gate_q_0;
  swap _gate_q_0, _gate_q_2;
}
bit[3] meas;
qubit[3] q;
h q[2];
cx q[2], q[1];
cx q[1], q[0];
qft q[0], q[1], q[2];
barrier q[0], q[1], q[2];
meas[0] = measure q[0];
meas[1] = measure q[1];
meas[2] = measure q[2];
