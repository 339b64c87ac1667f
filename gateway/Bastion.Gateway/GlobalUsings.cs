// The gateway is built on the shared composition (Bastion.Hosting): its types are used in most files here.
global using Bastion.Hosting;
global using Bastion.Hosting.Configuration;
global using Bastion.Hosting.Inventory;
global using Bastion.Hosting.Inventory.Ec2;
global using Bastion.Hosting.Observability;
global using Bastion.Hosting.Inventory.Dns;
